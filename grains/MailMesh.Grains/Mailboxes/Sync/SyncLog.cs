using Microsoft.Extensions.Logging;

namespace MailMesh.Grains.Mailboxes.Sync;

internal static partial class SyncLog
{
    [LoggerMessage(EventId = 4100, Level = LogLevel.Information, Message = "Mailbox {Mailbox}: sync run completed, {New} new, {Changed} flag changes, {Expunged} expunged")]
    public static partial void RunCompleted(ILogger logger, string mailbox, int @new, int changed, int expunged);

    [LoggerMessage(EventId = 4101, Level = LogLevel.Warning, Message = "Mailbox {Mailbox}: sync failed ({Kind}): {Error}; next retry at {NextRetry}")]
    public static partial void RunFailed(ILogger logger, string mailbox, SyncErrorKind kind, string error, DateTimeOffset nextRetry);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Information, Message = "Mailbox {Mailbox}: UIDVALIDITY of folder {Folder} changed from {Old} to {New}; resyncing it")]
    public static partial void UidValidityChanged(ILogger logger, string mailbox, string folder, uint old, uint @new);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Information, Message = "Mailbox {Mailbox}: folder {Old} was renamed to {New}")]
    public static partial void FolderRenamed(ILogger logger, string mailbox, string old, string @new);

    [LoggerMessage(EventId = 4105, Level = LogLevel.Information, Message = "Mailbox {Mailbox}: deleted {Deleted} of {Scanned} message blobs that no index row refers to")]
    public static partial void OrphansDeleted(ILogger logger, string mailbox, int deleted, int scanned);

    [LoggerMessage(EventId = 4106, Level = LogLevel.Warning, Message = "Mailbox {Mailbox}: the orphaned blob sweep failed ({Error}); it is tried again after the next run")]
    public static partial void OrphanSweepFailed(ILogger logger, string mailbox, string error);

    [LoggerMessage(EventId = 4104, Level = LogLevel.Warning, Message = "Mailbox {Mailbox}: IDLE watcher stopped ({Error}); polling continues")]
    public static partial void IdleStopped(ILogger logger, string mailbox, string error);
}
