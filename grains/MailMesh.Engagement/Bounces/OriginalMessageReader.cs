using MailMesh.Mime;
using MailMesh.Mime.Addresses;
using MailMesh.Mime.Reports;

namespace MailMesh.Engagement.Bounces;

/// <summary>Reads the identifiers of the returned message: from an attached message/rfc822 (or message/global) part, a
/// text/rfc822-headers part, or headers quoted in the text of a plain bounce.</summary>
internal static class OriginalMessageReader
{
    private static readonly string[] s_names = ["Message-ID", "Return-Path", "To", "From", "Subject"];

    public static OriginalMessage Read(MimeMessage message)
    {
        foreach (var entity in message.Descendants())
        {
            if (entity is MessagePart attached && !ReferenceEquals(entity, message.Body))
            {
                var inner = attached.Message;
                var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                foreach (var h in inner.Headers)
                {
                    if (h.Name.StartsWith("X-", StringComparison.OrdinalIgnoreCase) && inner.Headers[h.Name] is { } v)
                    {
                        headers.TryAdd(h.Name, v);
                    }
                }

                return new OriginalMessage(inner.MessageId, Bracketless(inner.Headers["Return-Path"]), inner.Headers["To"], inner.Headers["From"], inner.Subject, headers);
            }

            if (entity is MimePart part && (part.ContentType.IsMimeType("text", "rfc822-headers") || part.ContentType.IsMimeType("message", "global-headers")))
            {
                return FromFields(ReportFieldGroup.ParseGroups(part.GetDecodedBytes()).FirstOrDefault() ?? []);
            }
        }

        // A plain-text bounce quoting the original below a marker: read header-like lines from there.
        var text = BounceClassifier.FullText(message);
        var marker = BounceClassifier.OriginalMarker(text);
        if (marker < 0)
        {
            return OriginalMessage.None;
        }

        var quoted = text[marker..];
        var fields = new ReportFieldGroup();
        foreach (var group in ReportFieldGroup.ParseGroups(System.Text.Encoding.UTF8.GetBytes(quoted.Length > 64_000 ? quoted[..64_000] : quoted)))
        {
            if (group.Any(f => s_names.Contains(f.Name, StringComparer.OrdinalIgnoreCase)))
            {
                fields = group;
                break;
            }
        }

        return FromFields(fields);
    }

    private static OriginalMessage FromFields(ReportFieldGroup fields)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var f in fields)
        {
            if (f.Name.StartsWith("X-", StringComparison.OrdinalIgnoreCase))
            {
                headers.TryAdd(f.Name, f.Value);
            }
        }

        return new OriginalMessage(MessageIds.ParseOne(fields["Message-ID"]), Bracketless(fields["Return-Path"]), fields["To"], fields["From"], fields["Subject"], headers);
    }

    private static string? Bracketless(string? value) => value?.Trim().Trim('<', '>').Trim() is { Length: > 0 } v ? v : null;
}
