using Microsoft.Extensions.Logging;

namespace MailMesh.Engagement.Reports;

internal static partial class ReportLog
{
    [LoggerMessage(EventId = 9501, Level = LogLevel.Information, Message = "Report of {Tenant}/{Scope} made in {Milliseconds} ms ({Members} segment members)")]
    public static partial void Made(ILogger logger, string tenant, string scope, long milliseconds, long members);

    [LoggerMessage(EventId = 9502, Level = LogLevel.Information, Message = "Reports: {Count} bounce and complaint notices caught up from the event log")]
    public static partial void CaughtUp(ILogger logger, int count);

    [LoggerMessage(EventId = 9503, Level = LogLevel.Warning, Message = "Reports: the members database {Path} could not be deleted")]
    public static partial void ScratchNotDeleted(ILogger logger, string path, Exception exception);
}
