using MailMesh.Runtime;

namespace MailMesh.Grains.Sharing;

/// <summary>A plain-text message a member sends as the shared mailbox (see <see cref="IMailboxSharingGrain.Send"/>).</summary>
/// <param name="To">Recipients.</param>
/// <param name="Cc">Copy recipients.</param>
/// <param name="Bcc">Blind copy recipients (envelope only).</param>
/// <param name="Subject">Subject; with a reply, empty means "Re: " and the original's subject.</param>
/// <param name="Text">The text.</param>
/// <param name="ReplyToFolder">Folder of the message this answers (with <paramref name="ReplyToUid"/>).</param>
/// <param name="ReplyToUid">UID of the message this answers.</param>
/// <param name="RequestId">Caller's id: a repeat with the same id returns the first result without sending again.</param>
[Immutable]
public sealed record SendMailRequest(
    IReadOnlyList<string> To, IReadOnlyList<string> Cc, IReadOnlyList<string> Bcc, string Subject, string Text,
    string? ReplyToFolder = null, uint? ReplyToUid = null, string? RequestId = null)
{
    /// <summary>Most recipients in To, Cc and Bcc together.</summary>
    public const int MaxRecipients = 100;

    /// <summary>Longest subject.</summary>
    public const int MaxSubjectLength = 998;

    /// <summary>Longest text.</summary>
    public const int MaxTextLength = 1_000_000;

    /// <summary>Longest request id.</summary>
    public const int MaxRequestIdLength = 200;
}

/// <summary>A message sent as the mailbox.</summary>
/// <param name="MessageId">Its Message-ID without angle brackets.</param>
/// <param name="Recipients">Envelope recipients.</param>
/// <param name="ServerReply">The submission server's final reply.</param>
/// <param name="SentAt">When.</param>
/// <param name="ConversationId">The answered message's conversation, or null.</param>
/// <param name="Repeated">True when the request id named an earlier send (nothing sent this time).</param>
/// <param name="Note">What went wrong after sending (e.g. the \Answered flag), or null.</param>
[Immutable]
public sealed record SentMail(
    string MessageId, IReadOnlyList<string> Recipients, string ServerReply, DateTimeOffset SentAt, string? ConversationId, bool Repeated, string? Note);
