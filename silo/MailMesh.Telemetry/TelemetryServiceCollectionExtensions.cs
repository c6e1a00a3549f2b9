using MailMesh.Grains.Mailboxes.Sync;
using MailMesh.Telemetry;
using MailMesh.Telemetry.Domain;
using MailMesh.Telemetry.Internal;
using MailMesh.Telemetry.Prometheus;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers MailMesh telemetry and maps <c>/metrics</c>.</summary>
public static class TelemetryServiceCollectionExtensions
{
    /// <summary>Adds the meter and tracer providers (section <c>Telemetry</c>, OTLP from <c>OTEL_EXPORTER_OTLP_*</c>), the
    /// mailbox sync and cluster metrics (<see cref="MailboxSyncMetrics"/>, <see cref="ClusterMetrics"/>), and puts trace
    /// and span ids on every log entry written inside an activity.</summary>
    /// <exception cref="OptionsValidationException">An OTLP variable or a Telemetry setting is malformed.</exception>
    public static IServiceCollection AddMailMeshTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        OtlpSettings otlp;
        try
        {
            otlp = OtlpSettings.Read(configuration);
        }
        catch (FormatException e)
        {
            throw new OptionsValidationException("OTEL_EXPORTER_OTLP", typeof(OtlpSettings), [e.Message]);
        }

        var options = configuration.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>() ?? new TelemetryOptions();
        var failures = Validate(options);
        if (failures.Count > 0)
        {
            throw new OptionsValidationException(TelemetryOptions.Section, typeof(TelemetryOptions), failures);
        }

        services.AddSingleton(Options.Options.Create(options));
        services.AddSingleton(otlp);
        services.AddSingleton<TelemetryProviders>();
        services.AddSingleton<IHostedService>(static p => p.GetRequiredService<TelemetryProviders>());
        services.AddSingleton<MailboxSyncMetrics>(static p => new MailboxSyncMetrics(p.GetService<TimeProvider>()));
        services.AddSingleton<IMailboxSyncObserver>(static p => p.GetRequiredService<MailboxSyncMetrics>());
        services.AddSingleton<IHostedService, ClusterMetrics>();
        services.Configure<LoggerFactoryOptions>(static o =>
            o.ActivityTrackingOptions |= ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId | ActivityTrackingOptions.ParentId);
        services.Configure<SimpleConsoleFormatterOptions>(static o => o.IncludeScopes = true);
        services.Configure<JsonConsoleFormatterOptions>(static o => o.IncludeScopes = true);
        return services;
    }

    /// <summary>Maps the Prometheus text endpoint (<c>Telemetry:PrometheusPath</c>, default <c>/metrics</c>).</summary>
    public static IEndpointRouteBuilder MapMailMeshMetrics(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var providers = endpoints.ServiceProvider.GetRequiredService<TelemetryProviders>();
        var options = endpoints.ServiceProvider.GetRequiredService<IOptions<TelemetryOptions>>().Value;
        var logger = endpoints.ServiceProvider.GetRequiredService<ILogger<TelemetryProviders>>();
        if (providers.Prometheus is not { } reader)
        {
            return endpoints;
        }

        endpoints.MapGet(options.PrometheusPath, async context =>
        {
            var text = await reader.ScrapeAsync(options.ScrapeTimeout, context.RequestAborted).ConfigureAwait(false);
            if (text is null)
            {
                var reason = "the silo is shutting down or metrics collection did not finish in " + options.ScrapeTimeout;
                Log.ScrapeRefused(logger, reason);
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                context.Response.ContentType = "text/plain; charset=utf-8";
                await context.Response.WriteAsync(reason + "\n", context.RequestAborted).ConfigureAwait(false);
                return;
            }

            context.Response.ContentType = PrometheusTextWriter.ContentType;
            context.Response.Headers.CacheControl = "no-store";
            await context.Response.WriteAsync(text, context.RequestAborted).ConfigureAwait(false);
        });
        return endpoints;
    }

    private static List<string> Validate(TelemetryOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.ServiceName))
        {
            failures.Add("Telemetry:ServiceName is empty; set MAILMESH__TELEMETRY__SERVICENAME (e.g. mailmesh-silo) or OTEL_SERVICE_NAME.");
        }

        if (!options.PrometheusPath.StartsWith('/'))
        {
            failures.Add($"Telemetry:PrometheusPath is '{options.PrometheusPath}'; it must start with '/', e.g. /metrics.");
        }

        if (options.ScrapeTimeout <= TimeSpan.Zero)
        {
            failures.Add($"Telemetry:ScrapeTimeout is {options.ScrapeTimeout}; use a positive time span such as 00:00:10.");
        }

        if (options.TraceSampleRatio is < 0 or > 1 || double.IsNaN(options.TraceSampleRatio))
        {
            failures.Add($"Telemetry:TraceSampleRatio is {options.TraceSampleRatio}; use a fraction from 0 to 1.");
        }

        return failures;
    }
}
