using MailMesh.Grains.Engagement;
using MailMesh.Runtime;

namespace MailMesh.Engagement.Bounces;

/// <summary>The identifiers of the returned (original) message, from an attached message/rfc822 or text/rfc822-headers
/// part, or the headers quoted in a plain-text bounce.</summary>
/// <param name="MessageId">Message-ID without angle brackets.</param>
/// <param name="ReturnPath">Return-Path (the envelope sender: a VERP return path carries the send id).</param>
/// <param name="To">The To address(es) as written.</param>
/// <param name="From">The From header.</param>
/// <param name="Subject">The Subject.</param>
/// <param name="Headers">X-headers of the original (name → first value).</param>
[Immutable]
public sealed record OriginalMessage(string? MessageId, string? ReturnPath, string? To, string? From, string? Subject, IReadOnlyDictionary<string, string> Headers)
{
    /// <summary>An original of which nothing is known.</summary>
    public static readonly OriginalMessage None = new(null, null, null, null, null, new Dictionary<string, string>());
}

/// <summary>The outcome for one recipient of a bounce or report.</summary>
/// <param name="Kind">What happened.</param>
/// <param name="Reason">Why.</param>
/// <param name="Recipient">The failed (or complaining) recipient's address, or null when the bounce does not say.</param>
/// <param name="OriginalRecipient">The recipient as first given (DSN Original-Recipient, or an alias expanded).</param>
/// <param name="Status">The enhanced status code (RFC 3463) such as <c>5.1.1</c>, or null.</param>
/// <param name="ReplyCode">The SMTP reply code (e.g. 550), or 0.</param>
/// <param name="Action">The DSN action (failed, delayed, delivered, relayed, expanded), or null.</param>
/// <param name="Diagnostic">The remote server's answer or the bounce's explanation (one line, at most 1000 characters).</param>
/// <param name="FeedbackType">For complaints: the ARF Feedback-Type (abuse, fraud, opt-out, ...).</param>
[Immutable]
public sealed record BounceRecipient(
    BounceKind Kind, BounceReason Reason, string? Recipient, string? OriginalRecipient, string? Status, int ReplyCode, string? Action,
    string? Diagnostic, string? FeedbackType = null);

/// <summary>A classified message.</summary>
/// <param name="Kind">The message's kind (the most severe of its recipients').</param>
/// <param name="Recipients">One entry per recipient the report names (at least one for a bounce, even when the recipient
/// is not named).</param>
/// <param name="Original">The returned message's identifiers.</param>
/// <param name="ReportingMta">Who reported (DSN Reporting-MTA, or the bounce's From).</param>
/// <param name="Format">How it was read: <c>dsn</c>, <c>arf</c>, <c>text</c>, <c>auto-reply</c> or <c>none</c>.</param>
/// <param name="EnvelopeId">The DSN Original-Envelope-Id (the ENVID the sender gave), or null.</param>
[Immutable]
public sealed record BounceClassification(
    BounceKind Kind, IReadOnlyList<BounceRecipient> Recipients, OriginalMessage Original, string? ReportingMta, string Format, string? EnvelopeId = null);
