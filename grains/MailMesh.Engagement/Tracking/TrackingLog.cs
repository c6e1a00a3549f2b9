using Microsoft.Extensions.Logging;

namespace MailMesh.Engagement.Tracking;

/// <summary>Log messages of the tracking listener and writer.</summary>
internal static partial class TrackingLog
{
    [LoggerMessage(EventId = 9001, Level = LogLevel.Information, Message = "Tracking endpoints listening on {Address}")]
    public static partial void Listening(ILogger logger, string address);

    [LoggerMessage(EventId = 9002, Level = LogLevel.Warning, Message = "Storing {Count} tracking hits failed (attempt {Attempt}); retrying")]
    public static partial void StoreRetry(ILogger logger, Exception exception, int count, int attempt);

    [LoggerMessage(EventId = 9003, Level = LogLevel.Error, Message = "Storing {Count} tracking hits failed for good; they are handed to the grains without a raw copy")]
    public static partial void StoreFailed(ILogger logger, Exception exception, int count);

    [LoggerMessage(EventId = 9004, Level = LogLevel.Warning, Message = "Handing {Count} hits to engagement grain {Key} failed; they stay pending and are handed over again by the next pass")]
    public static partial void GrainFailed(ILogger logger, Exception exception, int count, string key);

    [LoggerMessage(EventId = 9005, Level = LogLevel.Information, Message = "Tracking writer drained: {Written} hits stored, {Dropped} dropped since start")]
    public static partial void Drained(ILogger logger, long written, long dropped);

    [LoggerMessage(EventId = 9006, Level = LogLevel.Error, Message = "Tracking writer stopped before draining: {Left} hits still queued are lost")]
    public static partial void DrainCut(ILogger logger, int left);

    [LoggerMessage(EventId = 9007, Level = LogLevel.Information, Message = "Handing over {Count} pending tracking hits again")]
    public static partial void Redriving(ILogger logger, int count);

    [LoggerMessage(EventId = 9008, Level = LogLevel.Error, Message = "Tracking request {Path} failed")]
    public static partial void RequestFailed(ILogger logger, Exception exception, string path);

    [LoggerMessage(EventId = 9009, Level = LogLevel.Warning, Message = "Engagement pass failed; it runs again in {Interval}")]
    public static partial void PassFailed(ILogger logger, Exception exception, TimeSpan interval);

    [LoggerMessage(EventId = 9010, Level = LogLevel.Information, Message = "Engagement pass: {Rescored} contacts scored again, {Dormant} dormant")]
    public static partial void PassDone(ILogger logger, int rescored, int dormant);

    [LoggerMessage(EventId = 9012, Level = LogLevel.Critical, Message = "The tracking listener cannot bind {Url}; opens, clicks, unsubscribes and forms are not served until it can (set Tracking:Listen, MAILMESH__TRACKING__LISTEN)")]
    public static partial void BindFailed(ILogger logger, Exception exception, string url);

    [LoggerMessage(EventId = 9011, Level = LogLevel.Error, Message = "Tracking writer failed; hits stay queued")]
    public static partial void WriterFailed(ILogger logger, Exception exception);
}
