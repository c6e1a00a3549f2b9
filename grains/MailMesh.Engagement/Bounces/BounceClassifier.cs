using MailMesh.Grains.Engagement;
using MailMesh.Mime;
using MailMesh.Mime.Reports;

namespace MailMesh.Engagement.Bounces;

/// <summary>Classifies a message that came back to a sender: an RFC 3464 delivery status notification, a plain-text
/// bounce of a common MTA, an ARF (RFC 5965) feedback report, or an automatic reply (RFC 3834) that is not a bounce.
/// Stateless and thread-safe; never throws for malformed content (it answers <see cref="BounceKind.Unknown"/>).</summary>
public static partial class BounceClassifier
{
    /// <summary>The longest diagnostic kept per recipient, in characters.</summary>
    public const int MaxDiagnosticLength = 1000;

    /// <summary>Parses and classifies raw message bytes.</summary>
    public static BounceClassification Classify(ReadOnlyMemory<byte> raw)
    {
        raw = NormalizeBareCr(raw);
        using var message = MimeMessage.Parse(raw);
        return Classify(message, raw);
    }

    /// <summary>Line ends of bare CR (old Mac mail files) as LF, so the MIME parser sees lines; other input unchanged.</summary>
    internal static ReadOnlyMemory<byte> NormalizeBareCr(ReadOnlyMemory<byte> raw)
    {
        var head = raw.Span[..Math.Min(raw.Length, 8192)];
        if (head.IndexOf((byte)'\n') >= 0 || head.IndexOf((byte)'\r') < 0)
        {
            return raw;
        }

        var copy = raw.ToArray();
        for (var i = 0; i < copy.Length; i++)
        {
            if (copy[i] == (byte)'\r' && (i + 1 == copy.Length || copy[i + 1] != (byte)'\n'))
            {
                copy[i] = (byte)'\n';
            }
        }

        return copy;
    }

    /// <summary>Classifies a parsed message.</summary>
    public static BounceClassification Classify(MimeMessage message) => Classify(message, message?.Source?.Memory ?? default);

    private static BounceClassification Classify(MimeMessage message, ReadOnlyMemory<byte> raw)
    {
        ArgumentNullException.ThrowIfNull(message);
        var original = OriginalMessageReader.Read(message);
        var text = BodyText(message, raw);

        if (FeedbackReport.FromMessage(message) is { } feedback)
        {
            return Complaint(feedback, original);
        }

        if (NonStandardComplaint(message, original) is { } complaint)
        {
            return complaint;
        }

        var dsn = AllDeliveryStatus(message, text);
        if (dsn is { Recipients.Count: > 0 })
        {
            return FromDsn(message, dsn, text, original);
        }

        var bounceLike = LooksLikeBounce(message, text);
        if (!bounceLike && IsAutoReply(message))
        {
            var from = message.From.Mailboxes.FirstOrDefault()?.Address;
            var recipient = new BounceRecipient(BounceKind.AutoReply, BounceReason.Vacation, from, null, null, 0, null, Shorten(message.Subject));
            return new BounceClassification(BounceKind.AutoReply, [recipient], original, null, "auto-reply");
        }

        if (bounceLike || dsn is not null)
        {
            var recipients = FromText(message, text, original);
            if (recipients.Count > 0)
            {
                return new BounceClassification(Overall(recipients), recipients, original, message.From.Mailboxes.FirstOrDefault()?.Address, "text", dsn?.OriginalEnvelopeId);
            }
        }

        return new BounceClassification(BounceKind.Unknown, [], original, null, "none");
    }

    /// <summary>Every message/delivery-status part's recipients in one report (some MTAs send one part per recipient, some
    /// run recipient blocks together without the blank line between them); when there is no such part, delivery status
    /// fields quoted in the text (a DSN sent as text/plain, or a report whose MIME structure is broken).</summary>
    private static DeliveryStatusReport? AllDeliveryStatus(MimeMessage message, string text)
    {
        ReportFieldGroup? messageFields = null;
        var recipients = new List<RecipientStatus>();
        foreach (var part in message.Descendants().OfType<MimePart>())
        {
            if (part.ContentType.IsMimeType("message", "delivery-status") || part.ContentType.IsMimeType("message", "global-delivery-status"))
            {
                AddGroups(ReportFieldGroup.ParseGroups(part.GetDecodedBytes()), ref messageFields, recipients);
            }
        }

        if (messageFields is null && recipients.Count == 0)
        {
            // A bounce that forwards another MTA's DSN as an attached message.
            foreach (var attached in message.Descendants().OfType<MessagePart>())
            {
                foreach (var part in attached.Message.Descendants().OfType<MimePart>())
                {
                    if (part.ContentType.IsMimeType("message", "delivery-status") || part.ContentType.IsMimeType("message", "global-delivery-status"))
                    {
                        AddGroups(ReportFieldGroup.ParseGroups(part.GetDecodedBytes()), ref messageFields, recipients);
                    }
                }
            }
        }

        if (messageFields is null && recipients.Count == 0 && text.Contains("Final-Recipient:", StringComparison.OrdinalIgnoreCase)
            && text.Contains("Status:", StringComparison.OrdinalIgnoreCase))
        {
            AddGroups(ReportFieldGroup.ParseGroups(System.Text.Encoding.UTF8.GetBytes(text)), ref messageFields, recipients);
            if (recipients.Count == 0)
            {
                return null;
            }
        }

        return messageFields is null && recipients.Count == 0 ? null : new DeliveryStatusReport { MessageFields = messageFields ?? [], Recipients = recipients };
    }

    private static void AddGroups(List<ReportFieldGroup> groups, ref ReportFieldGroup? messageFields, List<RecipientStatus> recipients)
    {
        foreach (var group in groups)
        {
            var current = new ReportFieldGroup();
            foreach (var field in group)
            {
                var name = field.Name;
                var startsRecipient = (name.Equals("Final-Recipient", StringComparison.OrdinalIgnoreCase) || name.Equals("Original-Recipient", StringComparison.OrdinalIgnoreCase))
                    && current[name] is not null;
                var firstRecipientField = (name.Equals("Final-Recipient", StringComparison.OrdinalIgnoreCase) || name.Equals("Original-Recipient", StringComparison.OrdinalIgnoreCase))
                    && current.Count > 0 && !IsRecipientBlock(current) && IsMessageBlock(current)
                    && current["Status"] is null && current["Action"] is null && current["Diagnostic-Code"] is null;
                if (startsRecipient || firstRecipientField)
                {
                    Flush(current, ref messageFields, recipients);
                    current = [];
                }

                current.Add(field);
            }

            Flush(current, ref messageFields, recipients);
        }

        static void Flush(ReportFieldGroup block, ref ReportFieldGroup? messageFields, List<RecipientStatus> recipients)
        {
            if (block.Count == 0)
            {
                return;
            }

            if (IsRecipientBlock(block))
            {
                recipients.Add(new RecipientStatus { Fields = block });
            }
            else if (IsMessageBlock(block))
            {
                messageFields ??= block;
            }
        }
    }

    private static bool IsMessageBlock(ReportFieldGroup g) =>
        g["Reporting-MTA"] is not null || g["Original-Envelope-Id"] is not null || g["Arrival-Date"] is not null || g["Received-From-MTA"] is not null;

    private static bool IsRecipientBlock(ReportFieldGroup g) =>
        g["Final-Recipient"] is not null || g["Original-Recipient"] is not null || (g["Action"] is not null && g["Status"] is not null);

    private static BounceClassification Complaint(FeedbackReport feedback, OriginalMessage original)
    {
        var type = feedback.FeedbackType ?? "abuse";
        var recipients = feedback.OriginalRcptTo.Count > 0
            ? feedback.OriginalRcptTo
            : original.To is { } to ? [FirstAddress(to) ?? to] : [];
        var list = recipients.Count == 0
            ? [new BounceRecipient(BounceKind.Complaint, BounceReason.Feedback, null, null, null, 0, null, feedback.UserAgent, type)]
            : recipients.Select(r => new BounceRecipient(BounceKind.Complaint, BounceReason.Feedback, r, null, null, 0, null, feedback.UserAgent, type)).ToList();
        return new BounceClassification(BounceKind.Complaint, list, original, feedback.UserAgent, "arf");
    }

    /// <summary>Complaint loops that send no feedback-report part: Outlook.com/Hotmail JMRP (the reported message with
    /// <c>X-HmXmrOriginalRecipient</c>) and Apple Mail's unsubscribe request (<c>X-Apple-Unsubscribe: true</c>).</summary>
    private static BounceClassification? NonStandardComplaint(MimeMessage message, OriginalMessage original)
    {
        if (string.Equals(message.Headers["X-Apple-Unsubscribe"]?.Trim(), "true", StringComparison.OrdinalIgnoreCase))
        {
            var from = message.From.Mailboxes.FirstOrDefault()?.Address;
            var recipient = new BounceRecipient(BounceKind.Complaint, BounceReason.Feedback, from, null, null, 0, null, "Apple Mail unsubscribe request", "opt-out");
            return new BounceClassification(BounceKind.Complaint, [recipient], original, "Apple Mail", "arf");
        }

        if (original.Headers.TryGetValue("X-HmXmrOriginalRecipient", out var hotmail))
        {
            var recipient = new BounceRecipient(BounceKind.Complaint, BounceReason.Feedback, hotmail.Trim(), null, null, 0, null, Shorten(message.Subject), "abuse");
            return new BounceClassification(BounceKind.Complaint, [recipient], original, "Outlook.com JMRP", "arf");
        }

        return null;
    }

    private static BounceClassification FromDsn(MimeMessage message, DeliveryStatusReport dsn, string text, OriginalMessage original)
    {
        var blocks = TextRecipientBlocks(text, ExcludedAddresses(message, original));
        var recipients = new List<BounceRecipient>(dsn.Recipients.Count);
        foreach (var r in dsn.Recipients)
        {
            var address = r.FinalRecipient ?? r.OriginalRecipient;
            var diagnostic = Clean(r.DiagnosticCode);
            var block = address is null ? null : blocks.FirstOrDefault(b => string.Equals(b.Address, address, StringComparison.OrdinalIgnoreCase)).Block;
            if (string.IsNullOrEmpty(diagnostic))
            {
                diagnostic = Clean(block) ?? (dsn.Recipients.Count == 1 ? Clean(Explanation(text)) : null);
            }

            recipients.Add(Decide(address, r.OriginalRecipient, r.Status, r.Action, diagnostic, block ?? (dsn.Recipients.Count == 1 ? text : null), text));
        }

        return new BounceClassification(Overall(recipients), recipients, original, dsn.ReportingMta, "dsn", dsn.OriginalEnvelopeId);
    }

    /// <summary>Decides kind and reason for one recipient from what the report says.</summary>
    internal static BounceRecipient Decide(
        string? address, string? originalRecipient, string? status, string? action, string? diagnostic, string? context, string? wholeText = null)
    {
        var replyCode = StatusText.ReplyCode(diagnostic);
        var textStatus = StatusText.EnhancedStatus(diagnostic);
        if (status is null || IsGeneric(status) || !BounceReasons.TryParseStatus(status, out _, out _, out _))
        {
            status = textStatus ?? status;
        }

        if (status is null && context is not null)
        {
            status = StatusText.EnhancedStatus(context);
        }

        if (replyCode == 0 && context is not null)
        {
            replyCode = StatusText.ReplyCode(context);
        }

        if (action is "delivered" or "relayed" or "expanded" or "deliverable" || status is ['2', ..])
        {
            return new BounceRecipient(BounceKind.Delivered, BounceReason.Delivered, address, originalRecipient, status, replyCode, action, diagnostic);
        }

        var reason = address is ['|', ..] || (diagnostic is not null && s_mailer.IsMatch(diagnostic))
            ? BounceReason.MailerError
            : BounceReasons.FromText(diagnostic);
        if (reason == BounceReason.Undefined)
        {
            reason = BounceReasons.FromStatus(status);
        }

        reason = ByCommand(reason, SmtpCommand(diagnostic) ?? SmtpCommand(context) ?? SmtpCommand(wholeText, preferRcpt: true), status);

        if (reason == BounceReason.Undefined && context is not null && !ReferenceEquals(context, diagnostic))
        {
            reason = BounceReasons.FromText(context);
        }

        if (reason == BounceReason.Undefined)
        {
            reason = BounceReasons.FromReplyCode(replyCode);
        }

        var delayed = action == "delayed";
        if (delayed && reason is BounceReason.Undefined or BounceReason.NetworkError or BounceReason.SystemError)
        {
            reason = BounceReason.Expired;
        }

        var transient = delayed || status is ['4', ..] || (status is null && replyCode is >= 400 and < 500);
        if (transient && reason == BounceReason.HostUnknown)
        {
            // A DNS answer that may change (the lookup failed for now): not proof the domain is gone.
            reason = BounceReason.NetworkError;
        }

        var kind = !transient && BounceReasons.IsHard(reason, permanent: true) || transient && BounceReasons.IsHard(reason, permanent: false)
            ? BounceKind.HardBounce
            : BounceKind.SoftBounce;
        return new BounceRecipient(kind, reason, address, originalRecipient, status, replyCode, action, diagnostic);
    }

    private static readonly System.Text.RegularExpressions.Regex s_mailer = new(
        @"command output:|procmail|maildrop:|\bpipe to \||mail(er)? program|x-unix;",
        System.Text.RegularExpressions.RegexOptions.IgnoreCase | System.Text.RegularExpressions.RegexOptions.CultureInvariant | System.Text.RegularExpressions.RegexOptions.NonBacktracking);

    private static readonly System.Text.RegularExpressions.Regex s_command = new(
        @"in reply to (rcpt to|mail from|end of data|data|helo|ehlo|mail|rcpt) command|after (rcpt to|rcpt|mail from|mail|end of data|data|initial connection|helo|ehlo)\b|>>> (rcpt to|mail from|helo|ehlo)\b|(rcpt to) response|does not like (recipient)|smtp:(rcpt|mail|data)\b|\[(rcpt)_to\]|(recipient) address rejected",
        System.Text.RegularExpressions.RegexOptions.IgnoreCase | System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    /// <summary>The SMTP command a reply answered (the last one the text names): <c>MAIL</c>, <c>RCPT</c>, <c>DATA</c>,
    /// <c>CONN</c> (greeting, HELO/EHLO), or null.</summary>
    /// <remarks>With <paramref name="preferRcpt"/> (a whole transcript, not one recipient's lines), any RCPT wins: a
    /// client that goes on to DATA after a refused recipient gets "503 need RCPT", which says nothing of the recipient.</remarks>
    internal static string? SmtpCommand(string? text, bool preferRcpt = false)
    {
        if (text is null)
        {
            return null;
        }

        string? command = null;
        foreach (System.Text.RegularExpressions.Match m in s_command.Matches(text.Length > 8000 ? text[..8000] : text))
        {
            var name = m.Groups.Values.Skip(1).First(g => g.Success).Value.ToUpperInvariant();
            command = name switch
            {
                "MAIL FROM" or "MAIL" => "MAIL",
                "RCPT TO" or "RCPT" or "RECIPIENT" => "RCPT",
                "END OF DATA" or "DATA" => "DATA",
                _ => "CONN",
            };
            if (preferRcpt && command == "RCPT")
            {
                return command;
            }
        }

        return command;
    }

    /// <summary>Adjusts a reason by the command it answered. An unknown-user or unknown-domain answer to MAIL FROM is
    /// about the sender (rejected); a greeting or HELO refusal is a block. "User unknown" is trusted only when it
    /// answered RCPT TO or comes with a bad-mailbox status code (X.1.x): said after the data was accepted (or when the
    /// bounce does not say when), it is a filter pretending the user is unknown, and a mailbox-status code (X.2.1)
    /// means the mailbox exists but is disabled.</summary>
    private static BounceReason ByCommand(BounceReason reason, string? command, string? status)
    {
        if (command == "MAIL" && reason is BounceReason.UserUnknown or BounceReason.HostUnknown or BounceReason.Undefined or BounceReason.SyntaxError)
        {
            return BounceReason.Rejected;
        }

        if (command == "CONN" && reason is BounceReason.UserUnknown or BounceReason.HostUnknown or BounceReason.Undefined or BounceReason.SyntaxError)
        {
            return BounceReason.Blocked;
        }

        if (reason == BounceReason.UserUnknown && command != "RCPT")
        {
            var addressStatus = status is { } a && BounceReasons.TryParseStatus(a, out _, out var addressSubject, out _) && addressSubject == 1;
            if (command == "DATA" && !addressStatus)
            {
                return BounceReason.Filtered;
            }

            // The status code contradicts the text: it speaks of the mailbox (X.2.x), the system (X.3.x) or policy (X.7.x).
            if (status is { } s && BounceReasons.TryParseStatus(s, out _, out var subject, out var detail) && subject is 2 or 3 or 7)
            {
                return subject == 2 && detail == 1 ? BounceReason.Suspended : BounceReason.Filtered;
            }
        }

        return reason;
    }

    private static bool IsGeneric(string status) =>
        BounceReasons.TryParseStatus(status, out _, out var subject, out var detail) && subject == 0 && detail == 0;

    private static BounceKind Overall(IReadOnlyList<BounceRecipient> recipients)
    {
        if (recipients.Count == 0)
        {
            return BounceKind.Unknown;
        }

        foreach (var kind in (ReadOnlySpan<BounceKind>)[BounceKind.Complaint, BounceKind.HardBounce, BounceKind.SoftBounce, BounceKind.AutoReply, BounceKind.Delivered])
        {
            if (recipients.Any(r => r.Kind == kind))
            {
                return kind;
            }
        }

        return BounceKind.Unknown;
    }

    internal static string? Clean(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var one = string.Join(' ', text.Split((char[])['\r', '\n', '\t', ' '], StringSplitOptions.RemoveEmptyEntries));
        return Shorten(one);
    }

    private static string? Shorten(string? text) => text is { Length: > MaxDiagnosticLength } ? text[..MaxDiagnosticLength] : text;
}
