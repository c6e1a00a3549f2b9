using MailMesh.Runtime.Storage;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace MailMesh.Silo.Health;

/// <summary>Ready when the host has started, is not stopping, and the store answers.</summary>
public sealed class ReadinessCheck(IHostApplicationLifetime lifetime, IEventLog eventLog) : IHealthCheck
{
    /// <inheritdoc />
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!lifetime.ApplicationStarted.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy("starting");
        }

        if (lifetime.ApplicationStopping.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy("shutting down");
        }

        try
        {
            var last = await eventLog.GetLastSequenceAsync(cancellationToken).ConfigureAwait(false);
            return HealthCheckResult.Healthy($"event log at sequence {last}");
        }
        catch (StorageException e)
        {
            return HealthCheckResult.Unhealthy("store unavailable: " + e.Message);
        }
    }
}
