using System.Text;
using System.Text.RegularExpressions;
using MailMesh.Mime;
using MailMesh.Mime.Text;

namespace MailMesh.Engagement.Bounces;

public static partial class BounceClassifier
{
    private const RegexOptions Options = RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.NonBacktracking;

    private static readonly Regex s_address = new(@"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.\-]+@[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)+", Options);

    /// <summary>Lines that start the quoted original message in a plain-text bounce.</summary>
    private static readonly Regex s_originalMarker = new(
        @"^[ \t>]*(-{2,}|={2,}|_{2,})?[ \t]*(this is a copy of|below this line is a copy|original message (follows|headers?)|(the )?(original|returned|undelivered|unsent) message( headers)?( follows)?[ \t]*[-=_:]*[ \t]*$|message headers follow|header of (the )?original message|headers of your message|returned (mail|message)[ \t]*[-=_]*[ \t]*$|start of returned message|original message header|rfc822 message|your message reads)",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Multiline);

    private static readonly Regex s_bounceSubject = new(
        @"undeliver|undelivered|not (be )?delivered|delivery (status notification|failure|failed|has failed|problem|notification|report|error)|returned mail|return(ed)? to sender|failure notice|failed delivery|mail delivery (failed|failure|subsystem|system)|non[- ]?deliver|nondeliverable|could not (be )?(send|deliver)|warning: could not|message (not delivered|delayed|rejected|failure)|delayed mail|mail system error|unzustellbar|non remis|no se puede entregar|mail could not|permanent (error|failure)|bounce|delivery status|rejected|error sending|unable to deliver|failed to deliver|problem delivering",
        Options);

    private static readonly Regex s_autoReplySubject = new(
        @"^\s*(auto(matic)?[ -]?(reply|response|respons|antwort|answer)|autoreply|autoresponder|out of (the )?office|away( from| until| on)|on (vacation|holiday|leave)|vacation|abwesen|absence|r[ée]ponse automatique|respuesta autom[aá]tica|risposta automatica|i am (away|out)|i'm (away|out)|automatische antwort)",
        Options);

    private static readonly Regex s_bounceFrom = new(
        @"mailer-?daemon|post_?master|mail ?delivery|mail-?daemon|mdaemon|^bounce|nobody@|^root@|delivery (status|subsystem|notification)|mail ?administrator|\bmailer\b",
        Options);

    private static readonly Regex s_bounceBody = new(
        @"could not be delivered|couldn't be delivered|was not delivered|delivery (to the following|has failed|failed|status notification)|permanent (fatal )?error|undeliverable|this is the mail system at|this is the qmail-send program|message could not be delivered|following (address(es)?|recipients?) failed|failed permanently|rejected your message|delivery to .{0,80} failed|returned to (the )?sender|could not deliver|unable to deliver|has not (yet )?been delivered|delivery incomplete|message you sent|i'm afraid i wasn't able to deliver|mail delivery failed|the following message to|user unknown|your message (to|was|could|has)|unknown user|delivery has been delayed|a message that you sent",
        Options);

    private static readonly Regex s_recipientHint = new(
        @"(rcpt to:?|recipient:?|recipients?:|to:|address:|for|addressed to|message to|delivered to|delivery to|mail to|user|for address|original-recipient:?|final-recipient:?|rfc822;)\s*<?$",
        Options);

    /// <summary>The text of the bounce's own parts (text/plain, else HTML rendered as text), not of the returned message.</summary>
    internal static string BodyText(MimeMessage message, ReadOnlyMemory<byte> raw = default)
    {
        var builder = new StringBuilder();
        foreach (var entity in message.Descendants())
        {
            if (entity is MimePart { IsText: true } part && !part.ContentType.IsMimeType("text", "rfc822-headers") && !part.IsAttachment)
            {
                var text = part.ContentType.IsMimeType("text", "html") ? HtmlToText.Convert(part.GetText()) : part.GetText();
                if (part.ContentType.IsMimeType("text", "html") && builder.Length > 0)
                {
                    continue;
                }

                builder.Append(text).Append('\n');
                if (builder.Length > 200_000)
                {
                    break;
                }
            }
        }

        if (builder.Length == 0)
        {
            // A multipart whose boundary matches nothing in its body (a broken header): read the body as text.
            foreach (var broken in message.Descendants().OfType<Multipart>().Where(m => m.Children.Count == 0))
            {
                builder.Append(broken.Preamble).Append('\n').Append(broken.Epilogue).Append('\n');
            }
        }

        if (builder.ToString().Trim().Length == 0 && raw.Length > 0)
        {
            // Nothing readable through the MIME structure: read the raw body after the header block.
            var span = raw.Span;
            var split = span.IndexOf("\n\n"u8);
            var crlf = span.IndexOf("\r\n\r\n"u8);
            var start = crlf >= 0 && (split < 0 || crlf < split) ? crlf + 4 : split >= 0 ? split + 2 : span.Length;
            builder.Append(MailMesh.Mime.Encodings.Charsets.DecodeRaw(span[start..Math.Min(span.Length, start + 200_000)]));
        }

        var all = builder.ToString().Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n');
        var marker = OriginalMarker(all);
        return marker > 0 ? all[..marker] : all;
    }

    /// <summary>All text of the bounce's own parts, including any quoted original.</summary>
    internal static string FullText(MimeMessage message)
    {
        var builder = new StringBuilder();
        foreach (var entity in message.Descendants())
        {
            if (entity is MimePart { IsText: true } part && !part.ContentType.IsMimeType("text", "html"))
            {
                builder.Append(part.GetText()).Append('\n');
            }
        }

        return builder.ToString().Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n');
    }

    /// <summary>Where a quoted original message starts in <paramref name="text"/>, or -1.</summary>
    internal static int OriginalMarker(string text)
    {
        var m = s_originalMarker.Match(text);
        return m.Success ? m.Index : -1;
    }

    private static bool LooksLikeBounce(MimeMessage message, string text)
    {
        if (message.Headers["X-Failed-Recipients"] is not null || message.Body.ContentType.IsMimeType("multipart", "report"))
        {
            return true;
        }

        var from = message.Headers["From"] ?? string.Empty;
        var subject = message.Subject ?? string.Empty;
        if (s_bounceFrom.IsMatch(from) && (s_bounceSubject.IsMatch(subject) || s_bounceBody.IsMatch(text)))
        {
            return true;
        }

        if (s_bounceSubject.IsMatch(subject) && !s_autoReplySubject.IsMatch(subject))
        {
            return true;
        }

        return s_bounceFrom.IsMatch(from) || s_bounceBody.IsMatch(text.Length > 20_000 ? text[..20_000] : text);
    }

    private static bool IsAutoReply(MimeMessage message)
    {
        var headers = message.Headers;
        if (headers["Auto-Submitted"]?.Trim().StartsWith("auto-replied", StringComparison.OrdinalIgnoreCase) == true
            || headers["X-Autoreply"] is not null || headers["X-Autorespond"] is not null || headers["X-Autoresponder"] is not null
            || headers["X-Vacation"] is not null)
        {
            return true;
        }

        if (headers["Precedence"]?.Trim() is { } precedence && precedence.Equals("auto_reply", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        return s_autoReplySubject.IsMatch(message.Subject ?? string.Empty);
    }

    private static List<BounceRecipient> FromText(MimeMessage message, string text, OriginalMessage original)
    {
        var excluded = ExcludedAddresses(message, original);
        var blocks = TextRecipientBlocks(text, excluded);
        var failed = (message.Headers["X-Failed-Recipients"] ?? string.Empty)
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(a => a.Trim('<', '>'))
            .Where(a => a.Contains('@', StringComparison.Ordinal))
            .ToList();
        var explanation = Explanation(text);
        var results = new List<BounceRecipient>();
        if (failed.Count > 0)
        {
            foreach (var address in failed)
            {
                var block = blocks.FirstOrDefault(b => string.Equals(b.Address, address, StringComparison.OrdinalIgnoreCase)).Block;
                results.Add(Decide(address, null, null, "failed", Clean(block) ?? Clean(explanation), text, text));
            }

            return results;
        }

        if (blocks.Count > 0)
        {
            foreach (var (address, block) in blocks)
            {
                results.Add(Decide(address, null, null, "failed", Clean(block) ?? Clean(explanation), text, text));
            }

            return results;
        }

        var fallback = HintedAddress(text, excluded) ?? (original.To is { } to ? FirstAddress(to) : null);
        results.Add(Decide(fallback, null, null, "failed", Clean(explanation), text, text));
        return results;
    }

    /// <summary>Addresses that are never the failed recipient: the bounce's sender and recipient, the original's
    /// sender and return path, and role addresses of mail systems.</summary>
    private static HashSet<string> ExcludedAddresses(MimeMessage message, OriginalMessage original)
    {
        var set = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var value in new[] { message.Headers["From"], message.Headers["To"], message.Headers["Return-Path"], original.From, original.ReturnPath })
        {
            if (value is null)
            {
                continue;
            }

            foreach (Match m in s_address.Matches(value))
            {
                set.Add(m.Value);
            }
        }

        return set;
    }

    private static bool IsRoleAddress(string address)
    {
        var local = address[..address.IndexOf('@', StringComparison.Ordinal)];
        return local.Equals("mailer-daemon", StringComparison.OrdinalIgnoreCase) || local.Equals("postmaster", StringComparison.OrdinalIgnoreCase)
            || local.Equals("mail-daemon", StringComparison.OrdinalIgnoreCase) || local.Equals("mailerdaemon", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Recipients named at the start of a line (<c>&lt;a@b&gt;: ...</c> of Postfix and qmail, an indented
    /// address of Exim and Gmail, <c>&lt;a@b&gt;... User unknown</c> of Sendmail) with the text that follows them up to a
    /// blank line or the next recipient.</summary>
    internal static List<(string Address, string Block)> TextRecipientBlocks(string text, HashSet<string> excluded)
    {
        var order = new List<string>();
        var blocks = new Dictionary<string, StringBuilder>(StringComparer.OrdinalIgnoreCase);
        var lines = text.Split('\n');
        string? current = null;
        var block = new StringBuilder();
        for (var i = 0; i < lines.Length && i < 2000; i++)
        {
            var line = lines[i].TrimEnd();
            var address = LeadingAddress(line, out var rest);
            if (address is not null && !excluded.Contains(address) && !IsRoleAddress(address))
            {
                Flush();
                current = address;
                block.Append(rest.Trim()).Append(' ');
                continue;
            }

            if (line.Trim().Length == 0)
            {
                if (current is not null && block.ToString().Trim().Length > 0)
                {
                    Flush();
                }

                continue;
            }

            if (current is not null && block.Length < 4000)
            {
                block.Append(line.Trim()).Append(' ');
            }
        }

        Flush();

        // Lines elsewhere that name a recipient in brackets (a transcript, "Technical details") belong to it too.
        if (order.Count > 0)
        {
            foreach (var raw in lines.Take(2000))
            {
                var line = raw.Trim();
                foreach (var address in order)
                {
                    if (line.Contains("<" + address + ">", StringComparison.OrdinalIgnoreCase) && LeadingAddress(line, out _) is null
                        && !blocks[address].ToString().Contains(line, StringComparison.Ordinal) && blocks[address].Length < 4000)
                    {
                        blocks[address].Append(' ').Append(line);
                    }
                }
            }
        }

        return order.Select(a => (a, blocks[a].ToString().Trim())).ToList();

        void Flush()
        {
            if (current is not null)
            {
                if (!blocks.TryGetValue(current, out var existing))
                {
                    order.Add(current);
                    blocks[current] = existing = new StringBuilder();
                }

                existing.Append(block).Append(' ');
            }

            current = null;
            block.Clear();
        }
    }

    /// <summary>The address a line starts with (after blanks, quotes, "RCPT TO:" or a list bullet), when what follows is
    /// empty, a colon, "...", "(expanded from ...)", "on date" or a reply; null otherwise.</summary>
    private static string? LeadingAddress(string line, out string rest)
    {
        rest = string.Empty;
        var s = line.TrimStart(' ', '\t', '*', '-', '>', '"', '\'', '<');
        if (line.TrimStart().StartsWith('<') && !line.TrimStart().StartsWith("<<<", StringComparison.Ordinal))
        {
            s = "<" + s;
        }

        // A sendmail transcript line: "550 <a@b>... User unknown" or "<<< 550 5.1.1 <a@b>... User unknown".
        if (s.Length > 4 && s[0] is '4' or '5' && char.IsAsciiDigit(s[1]) && char.IsAsciiDigit(s[2]) && s[3] is ' ' or '-')
        {
            s = s[4..].TrimStart();
            if (StatusText.EnhancedStatus(s) is { } code && s.StartsWith(code, StringComparison.Ordinal))
            {
                s = s[code.Length..].TrimStart();
            }
        }

        foreach (var prefix in (ReadOnlySpan<string>)["RCPT TO:", "Recipient address:", "Recipient:", "Original-Recipient: rfc822;", "Final-Recipient: rfc822;", "Failed recipient:", "To:", "Address:", "Destinataire:", "Empfänger:", "Unknown user:"])
        {
            if (s.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                if (prefix == "To:" && line.Length > 0 && !char.IsWhiteSpace(line[0]))
                {
                    return null;
                }

                s = s[prefix.Length..].TrimStart();
                break;
            }
        }

        var bracket = s.StartsWith('<');
        var m = s_address.Match(s);
        if (!m.Success || m.Index != (bracket ? 1 : 0))
        {
            return null;
        }

        var after = s[(m.Index + m.Length)..];
        if (bracket)
        {
            if (!after.StartsWith('>'))
            {
                return null;
            }

            after = after[1..];
        }

        var trimmed = after.TrimStart('"', '\'').TrimStart();
        var ok = trimmed.Length == 0 || trimmed[0] is ':' or ',' or ';' or '(' || trimmed.StartsWith("...", StringComparison.Ordinal)
            || trimmed.StartsWith("on ", StringComparison.OrdinalIgnoreCase) || trimmed.StartsWith("- ", StringComparison.Ordinal)
            || (trimmed.Length >= 3 && char.IsAsciiDigit(trimmed[0]) && char.IsAsciiDigit(trimmed[1]) && char.IsAsciiDigit(trimmed[2]))
            || trimmed.StartsWith("SMTP error", StringComparison.OrdinalIgnoreCase) || trimmed.StartsWith("host ", StringComparison.OrdinalIgnoreCase)
            || trimmed.StartsWith("User unknown", StringComparison.OrdinalIgnoreCase) || trimmed.StartsWith("Unknown", StringComparison.OrdinalIgnoreCase);
        if (!ok)
        {
            return null;
        }

        rest = trimmed.TrimStart(':', '.', ',', ';', ' ');
        return m.Value.TrimEnd('.');
    }

    /// <summary>The first address that follows a recipient hint ("RCPT TO:", "recipient", "to", ...) in the text.</summary>
    private static string? HintedAddress(string text, HashSet<string> excluded)
    {
        foreach (Match m in s_address.Matches(text.Length > 20_000 ? text[..20_000] : text))
        {
            var address = m.Value.TrimEnd('.');
            if (excluded.Contains(address) || IsRoleAddress(address))
            {
                continue;
            }

            var start = Math.Max(0, m.Index - 40);
            var before = text[start..m.Index];
            if (s_recipientHint.IsMatch(before.TrimEnd(' ', '\t', '"', '\'')))
            {
                return address;
            }
        }

        return null;
    }

    /// <summary>The explanatory part of a bounce text, without the boilerplate greeting lines.</summary>
    internal static string? Explanation(string text) => text.Length > 8000 ? text[..8000] : text;

    private static string? FirstAddress(string value) => s_address.Match(value) is { Success: true } m ? m.Value : null;
}
