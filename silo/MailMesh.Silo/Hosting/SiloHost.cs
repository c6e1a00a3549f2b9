using MailMesh.Silo.Health;
using Microsoft.Extensions.Options;

namespace MailMesh.Silo.Hosting;

/// <summary>Composes the silo: configuration, options, the grain runtime and its store, endpoints.</summary>
public static class SiloHost
{
    /// <summary>Prefix of the environment variables that configure MailMesh (<c>MAILMESH__SILO__DATADIRECTORY</c>
    /// sets <c>Silo:DataDirectory</c>).</summary>
    public const string EnvironmentPrefix = "MAILMESH__";

    /// <summary>Builds the web application from the command line.</summary>
    public static WebApplication Build(string[] args)
    {
        // appsettings.json ships beside the binary: find it wherever the silo is started from.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        // MAILMESH__ variables override appsettings; the command line still overrides both.
        builder.Configuration.AddEnvironmentVariables(EnvironmentPrefix);
        builder.Configuration.AddCommandLine(args);

        builder.Services.AddOptions<SiloOptions>()
            .Bind(builder.Configuration.GetSection(SiloOptions.Section))
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<SiloOptions>, SiloOptionsValidator>();
        builder.Services.AddSiloHealthChecks();
        builder.Services.AddMailMeshTelemetry(builder.Configuration);
        builder.Services.AddSiloRuntime(builder.Configuration);
        builder.Services.AddMailMeshApi();
        builder.Services.AddMailMeshRelays(builder.Configuration);
        builder.Services.AddSiloTracking(builder.Configuration);
        builder.Services.AddSiloReports(builder.Configuration);

        var app = builder.Build();
        app.MapSiloHealth();
        app.MapMailMeshMetrics();
        app.MapMailMeshGrpc();
        app.MapMailMeshReportPages();
        app.MapMailMeshWebhooks();
        return app;
    }
}
