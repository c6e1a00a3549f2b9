using MailMesh.Silo.Hosting;

var app = SiloHost.Build(args);
app.Run();
