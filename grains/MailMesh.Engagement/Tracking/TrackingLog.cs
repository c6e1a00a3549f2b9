using Microsoft.Extensions.Logging;

namespace MailMesh.Engagement.Tracking;

/// <summary>Log messages of the tracking listener and writer.</summary>
internal static partial class TrackingLog
{
    [LoggerMessage(EventId = 9001, Level = LogLevel.Information, Message = "Tracking endpoints listening on {Address}")]
    public static partial void Listening(ILogger logger, string address);

    [LoggerMessage(EventId = 9002, Level = LogLevel.Warning, Message = "Storing {Count} tracking hits failed (attempt {Attempt}); retrying")]
    public static partial void StoreRetry(ILogger logger, Exception exception, int count, int attempt);

    [LoggerMessage(EventId = 9003, Level = LogLevel.Error, Message = "Recording what the grains made of {Count} tracking hits failed; they are handed over again by a later pass")]
    public static partial void StoreFailed(ILogger logger, Exception exception, int count);

    [LoggerMessage(EventId = 9018, Level = LogLevel.Error, Message = "Storing {Count} tracking hits failed {Attempts} times; they go back to the spill journal and are stored from there")]
    public static partial void StoreFailedRespilled(ILogger logger, Exception exception, int count, int attempts);

    [LoggerMessage(EventId = 9019, Level = LogLevel.Critical, Message = "Storing {Count} tracking hits failed and the spill journal refused them; the writer keeps them and tries the store again in {RetryAfter}")]
    public static partial void StoreAndSpillFailed(ILogger logger, int count, TimeSpan retryAfter);

    [LoggerMessage(EventId = 9004, Level = LogLevel.Warning, Message = "Handing {Count} hits to engagement grain {Key} failed; they stay pending and are handed over again by the next pass")]
    public static partial void GrainFailed(ILogger logger, Exception exception, int count, string key);

    [LoggerMessage(EventId = 9005, Level = LogLevel.Information, Message = "Tracking writer drained the memory queue: {Written} hits stored, {Spilled} spilled and {Refused} refused since start; {Left} hits stay in the spill journal for the next start")]
    public static partial void Drained(ILogger logger, long written, long spilled, long refused, long left);

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

    [LoggerMessage(EventId = 9013, Level = LogLevel.Information, Message = "Tracking spill journal {Directory} holds {Hits} hits ({Bytes} bytes) from an earlier run; the writer hands them over after the memory queue")]
    public static partial void SpillReplaying(ILogger logger, long hits, long bytes, string directory);

    [LoggerMessage(EventId = 9014, Level = LogLevel.Error, Message = "Tracking spill journal {Directory} failed; hits that find the memory queue full are refused (503) for {RetryAfter}")]
    public static partial void SpillFailed(ILogger logger, Exception exception, string directory, TimeSpan retryAfter);

    [LoggerMessage(EventId = 9015, Level = LogLevel.Warning, Message = "Tracking spill segment {Path} ends in a torn or corrupt record at offset {Offset}: {Bytes} bytes skipped (a write cut by a crash or a power loss)")]
    public static partial void SpillTornTail(ILogger logger, string path, long offset, long bytes);

    [LoggerMessage(EventId = 9016, Level = LogLevel.Error, Message = "Tracking spill segment {Path} changed on disk after it was checked: {Bytes} bytes from offset {Offset} skipped")]
    public static partial void SpillCorrupt(ILogger logger, string path, long offset, long bytes);

    [LoggerMessage(EventId = 9017, Level = LogLevel.Warning, Message = "Tracking spill cursor {Path} is damaged; the journal is read from its first segment (hits already stored are skipped by id)")]
    public static partial void SpillCursorBad(ILogger logger, string path);

    [LoggerMessage(EventId = 9011, Level = LogLevel.Error, Message = "Tracking writer failed; hits stay queued")]
    public static partial void WriterFailed(ILogger logger, Exception exception);
}
