using Microsoft.Extensions.Logging;

namespace MailMesh.Runtime.Cluster;

/// <summary>Log events of cluster membership (stable ids 1200–1249).</summary>
internal static partial class ClusterLog
{
    [LoggerMessage(1200, LogLevel.Information, "Silo {SiloId} joined the cluster at {Address}")]
    public static partial void Joined(ILogger logger, string siloId, string address);

    [LoggerMessage(1201, LogLevel.Information, "Cluster membership changed (version {Version}): joined [{Joined}], shutting down [{ShuttingDown}], left [{Left}], died [{Died}]")]
    public static partial void ViewChanged(ILogger logger, long version, string joined, string shuttingDown, string left, string died);

    [LoggerMessage(1202, LogLevel.Warning, "Declared silo {SiloId} ({Address}) dead: no heartbeat since {LastHeartbeat:O}")]
    public static partial void DeclaredDead(ILogger logger, string siloId, string address, DateTimeOffset lastHeartbeat);

    [LoggerMessage(1203, LogLevel.Warning, "Cluster membership refresh failed; retrying in {Interval}")]
    public static partial void RefreshFailed(ILogger logger, TimeSpan interval, Exception error);

    [LoggerMessage(1204, LogLevel.Critical, "This silo ({SiloId}) was declared dead by its peers; it stops serving")]
    public static partial void Evicted(ILogger logger, string siloId, Exception error);

    [LoggerMessage(1205, LogLevel.Information, "Silo {SiloId} is leaving the cluster")]
    public static partial void Leaving(ILogger logger, string siloId);

    [LoggerMessage(1206, LogLevel.Information, "Silo {SiloId} left the cluster")]
    public static partial void LeftCluster(ILogger logger, string siloId);

    [LoggerMessage(1207, LogLevel.Error, "A cluster membership observer failed")]
    public static partial void ObserverFailed(ILogger logger, Exception error);

    [LoggerMessage(1208, LogLevel.Error, "A hand-over step of the graceful shutdown failed")]
    public static partial void HandOverFailed(ILogger logger, Exception error);

    [LoggerMessage(1209, LogLevel.Warning, "Could not announce the graceful shutdown of silo {SiloId}")]
    public static partial void LeaveFailed(ILogger logger, string siloId, Exception error);
}
