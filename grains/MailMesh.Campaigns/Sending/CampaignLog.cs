using Microsoft.Extensions.Logging;

namespace MailMesh.Campaigns.Sending;

/// <summary>Log messages of campaign sending.</summary>
internal static partial class CampaignLog
{
    [LoggerMessage(EventId = 8001, Level = LogLevel.Warning, Message = "Campaign {Campaign} paused itself: {Reason}")]
    public static partial void PausedItself(ILogger logger, string campaign, string reason);

    [LoggerMessage(EventId = 8002, Level = LogLevel.Error,
        Message = "The mail submitter failed on send {SendId} (the recipient is failed, never retried)")]
    public static partial void SubmitterFault(ILogger logger, string sendId, Exception exception);

    [LoggerMessage(EventId = 8003, Level = LogLevel.Error,
        Message = "The outcome of send {SendId} was not recorded: its record was no longer being sent")]
    public static partial void OutcomeNotRecorded(ILogger logger, string sendId);
}
