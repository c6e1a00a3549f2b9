using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace MailMesh.Rules.Replies;

/// <summary>A message a rule sends: the SMTP envelope and the bytes.</summary>
/// <param name="EnvelopeFrom">MAIL FROM; empty for the null reverse path.</param>
/// <param name="Recipients">RCPT TO.</param>
/// <param name="Content">The RFC 5322 message.</param>
public sealed record OutgoingMail(string EnvelopeFrom, IReadOnlyList<string> Recipients, ReadOnlyMemory<byte> Content);

/// <summary>What a vacation reply says (taken from the decided vacation action).</summary>
/// <param name="Recipient">The sender of the original message.</param>
/// <param name="Subject">The reply subject.</param>
/// <param name="Reason">The text (or, with <paramref name="Mime"/>, a MIME entity: its header and body).</param>
/// <param name="From">The reply's From; the mailbox address when null.</param>
/// <param name="Mime">True when <paramref name="Reason"/> is a MIME entity.</param>
/// <param name="InReplyTo">The original Message-ID (with or without angle brackets).</param>
public sealed record VacationReply(string Recipient, string Subject, string Reason, string? From, bool Mime, string? InReplyTo);

/// <summary>A plain-text message composed by a user (sent as a shared mailbox).</summary>
/// <param name="From">The From address (the mailbox's).</param>
/// <param name="DisplayName">The From display name, or null.</param>
/// <param name="To">To addresses.</param>
/// <param name="Cc">Cc addresses.</param>
/// <param name="Bcc">Bcc addresses (envelope only).</param>
/// <param name="Subject">Subject.</param>
/// <param name="Text">Body text.</param>
/// <param name="InReplyTo">The answered Message-ID (without brackets), or null.</param>
/// <param name="References">The thread's Message-IDs (without brackets), oldest first.</param>
public sealed record ComposedMessage(
    string From, string? DisplayName, IReadOnlyList<string> To, IReadOnlyList<string> Cc, IReadOnlyList<string> Bcc, string Subject, string Text,
    string? InReplyTo, IReadOnlyList<string> References);

/// <summary>Builds the mail rules send: RFC 3834 auto-replies and redirects; and messages users send as a mailbox.</summary>
public static class RuleMail
{
    /// <summary>
    /// Builds a vacation reply (RFC 5230 section 5, RFC 3834): null reverse path so nothing answers it,
    /// <c>Auto-Submitted: auto-replied</c>, In-Reply-To/References to the original, and a Message-ID
    /// derived from <paramref name="idSeed"/> so a reply built twice is recognisably the same message.
    /// </summary>
    public static OutgoingMail BuildVacationReply(VacationReply reply, string mailboxAddress, string idSeed, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(reply);
        ArgumentException.ThrowIfNullOrEmpty(mailboxAddress);
        var domain = mailboxAddress[(mailboxAddress.LastIndexOf('@') + 1)..];
        var text = new StringBuilder();
        Header(text, "From", reply.From ?? mailboxAddress);
        Header(text, "To", "<" + reply.Recipient + ">");
        Header(text, "Subject", EncodeWord(reply.Subject));
        Header(text, "Date", now.ToString("ddd, dd MMM yyyy HH:mm:ss ", CultureInfo.InvariantCulture) + now.ToString("zzz", CultureInfo.InvariantCulture).Replace(":", "", StringComparison.Ordinal));
        Header(text, "Message-ID", $"<{Id(idSeed, "vacation")}@{domain}>");
        if (!string.IsNullOrWhiteSpace(reply.InReplyTo))
        {
            var id = reply.InReplyTo.Trim();
            id = id.StartsWith('<') ? id : "<" + id + ">";
            Header(text, "In-Reply-To", id);
            Header(text, "References", id);
        }

        Header(text, "Auto-Submitted", "auto-replied (vacation)");
        Header(text, "MIME-Version", "1.0");
        if (reply.Mime)
        {
            // The reason is a MIME entity: its own header fields (Content-Type, ...) then its body.
            text.Append(NormalizeLineEnds(reply.Reason.TrimStart('\r', '\n')));
        }
        else if (Ascii.IsValid(reply.Reason))
        {
            Header(text, "Content-Type", "text/plain; charset=us-ascii");
            Header(text, "Content-Transfer-Encoding", "7bit");
            text.Append("\r\n").Append(NormalizeLineEnds(reply.Reason));
        }
        else
        {
            Header(text, "Content-Type", "text/plain; charset=utf-8");
            Header(text, "Content-Transfer-Encoding", "base64");
            text.Append("\r\n").Append(Base64Lines(Encoding.UTF8.GetBytes(NormalizeLineEnds(reply.Reason))));
        }

        if (text[^1] != '\n')
        {
            text.Append("\r\n");
        }

        return new OutgoingMail(string.Empty, [reply.Recipient], Encoding.UTF8.GetBytes(text.ToString()));
    }

    /// <summary>A redirect: the message unchanged, from <paramref name="envelopeFrom"/> to <paramref name="target"/>.</summary>
    public static OutgoingMail BuildRedirect(ReadOnlyMemory<byte> original, string envelopeFrom, string target) =>
        new(envelopeFrom, [target], original);

    /// <summary>The envelope sender a delivered message came with (its first Return-Path): "" for the null reverse path,
    /// null when the message has no usable Return-Path.</summary>
    public static string? EnvelopeSenderOf(ReadOnlyMemory<byte> raw)
    {
        using var message = MailMesh.Mime.MimeMessage.Parse(raw);
        var value = message.Headers.Find("Return-Path")?.RawText.Trim();
        if (value is null)
        {
            return null;
        }

        var start = value.IndexOf('<', StringComparison.Ordinal);
        var end = value.LastIndexOf('>');
        var path = start >= 0 && end > start ? value[(start + 1)..end].Trim() : value;
        if (path.Length == 0)
        {
            return string.Empty;
        }

        var at = path.LastIndexOf('@');
        return at > 0 && at < path.Length - 1 && !path.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)) ? path : null;
    }

    private static void Header(StringBuilder text, string name, string value) => text.Append(name).Append(": ").Append(value).Append("\r\n");

    private static string Id(string seed, string kind) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(seed)).AsSpan(0, 16)) + "." + kind;

    /// <summary>The Message-ID (without brackets) <see cref="BuildMessage"/> gives a message built from <paramref name="idSeed"/>.</summary>
    public static string MessageIdFor(string idSeed, string fromAddress) => $"{Id(idSeed, "sent")}@{fromAddress[(fromAddress.LastIndexOf('@') + 1)..]}";

    /// <summary>Builds a plain-text message (UTF-8 base64 when not ASCII) from <see cref="ComposedMessage.From"/> to every
    /// recipient; the Message-ID is <see cref="MessageIdFor"/> of <paramref name="idSeed"/>.</summary>
    public static OutgoingMail BuildMessage(ComposedMessage message, string idSeed, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(message);
        var text = new StringBuilder();
        var from = string.IsNullOrWhiteSpace(message.DisplayName) ? message.From : $"{DisplayName(message.DisplayName)} <{message.From}>";
        Header(text, "From", from);
        if (message.To.Count > 0)
        {
            Header(text, "To", string.Join(",\r\n ", message.To.Select(a => "<" + a + ">")));
        }

        if (message.Cc.Count > 0)
        {
            Header(text, "Cc", string.Join(",\r\n ", message.Cc.Select(a => "<" + a + ">")));
        }

        Header(text, "Subject", EncodeWord(message.Subject));
        Header(text, "Date", now.ToString("ddd, dd MMM yyyy HH:mm:ss ", CultureInfo.InvariantCulture) + now.ToString("zzz", CultureInfo.InvariantCulture).Replace(":", "", StringComparison.Ordinal));
        Header(text, "Message-ID", "<" + MessageIdFor(idSeed, message.From) + ">");
        if (!string.IsNullOrEmpty(message.InReplyTo))
        {
            Header(text, "In-Reply-To", "<" + message.InReplyTo + ">");
        }

        if (message.References.Count > 0)
        {
            Header(text, "References", string.Join("\r\n ", message.References.Select(r => "<" + r + ">")));
        }

        Header(text, "MIME-Version", "1.0");
        if (Ascii.IsValid(message.Text))
        {
            Header(text, "Content-Type", "text/plain; charset=us-ascii");
            Header(text, "Content-Transfer-Encoding", "7bit");
            text.Append("\r\n").Append(NormalizeLineEnds(message.Text));
        }
        else
        {
            Header(text, "Content-Type", "text/plain; charset=utf-8");
            Header(text, "Content-Transfer-Encoding", "base64");
            text.Append("\r\n").Append(Base64Lines(Encoding.UTF8.GetBytes(NormalizeLineEnds(message.Text))));
        }

        if (text[^1] != '\n')
        {
            text.Append("\r\n");
        }

        var recipients = message.To.Concat(message.Cc).Concat(message.Bcc).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        return new OutgoingMail(message.From, recipients, Encoding.UTF8.GetBytes(text.ToString()));
    }

    private static string DisplayName(string name)
    {
        name = name.Replace("\r", " ", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);
        return Ascii.IsValid(name)
            ? "\"" + name.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\""
            : EncodeWord(name);
    }

    private static string EncodeWord(string value)
    {
        value = value.Replace("\r", " ", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);
        if (Ascii.IsValid(value))
        {
            return value;
        }

        // RFC 2047 encoded words of at most 75 characters: split on whole characters.
        var words = new List<string>();
        var chunk = new StringBuilder();
        foreach (var rune in value.EnumerateRunes())
        {
            var next = chunk.ToString() + rune.ToString();
            if (Encoding.UTF8.GetByteCount(next) > 45)
            {
                words.Add("=?utf-8?B?" + Convert.ToBase64String(Encoding.UTF8.GetBytes(chunk.ToString())) + "?=");
                chunk.Clear();
            }

            chunk.Append(rune.ToString());
        }

        words.Add("=?utf-8?B?" + Convert.ToBase64String(Encoding.UTF8.GetBytes(chunk.ToString())) + "?=");
        return string.Join("\r\n ", words);
    }

    private static string NormalizeLineEnds(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace("\n", "\r\n", StringComparison.Ordinal);

    private static string Base64Lines(byte[] bytes)
    {
        var encoded = Convert.ToBase64String(bytes);
        var builder = new StringBuilder();
        for (var i = 0; i < encoded.Length; i += 76)
        {
            builder.Append(encoded.AsSpan(i, Math.Min(76, encoded.Length - i))).Append("\r\n");
        }

        return builder.ToString();
    }
}
