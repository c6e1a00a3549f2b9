Console.Error.WriteLine("mailmesh: the command-line tool arrives with the gRPC API.");
return 2;
