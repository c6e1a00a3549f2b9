using System.Text;
using MailMesh.Sieve.Messages;

namespace MailMesh.Sieve.Tests.Support;

internal sealed class TestMimePart : ISieveMimePart
{
    private const int MaxDepth = 20;

    static TestMimePart()
    {
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
    }

    private TestMimePart(List<SieveHeader> headers, string contentType, string rawContent, string? decodedText, List<ISieveMimePart> children, bool hasBody)
    {
        HasBody = hasBody;
        Headers = headers;
        ContentType = contentType;
        RawContent = rawContent;
        DecodedText = decodedText;
        Children = children;
    }

    public string ContentType { get; }

    public IReadOnlyList<SieveHeader> Headers { get; }

    public IReadOnlyList<ISieveMimePart> Children { get; }

    public string RawContent { get; }

    public string? DecodedText { get; }

    public bool HasBody { get; }

    public static TestMimePart Parse(string entity, int depth, string defaultType = "text/plain")
    {
        var (headers, body) = SplitHeader(entity);
        var contentTypeValue = headers.LastOrDefault(h => h.Name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))?.Value;
        var (type, parameters) = ParseContentType(contentTypeValue, defaultType);
        var children = new List<ISieveMimePart>();
        string? decoded = null;
        if (type.StartsWith("multipart/", StringComparison.Ordinal) && parameters.TryGetValue("boundary", out var boundary) && depth < MaxDepth)
        {
            var childDefault = type == "multipart/digest" ? "message/rfc822" : "text/plain";
            foreach (var part in SplitMultipart(body, boundary))
            {
                children.Add(Parse(part, depth + 1, childDefault));
            }
        }
        else if (type == "message/rfc822" && depth < MaxDepth)
        {
            children.Add(Parse(body, depth + 1));
        }
        else if (type.StartsWith("text/", StringComparison.Ordinal))
        {
            var encoding = headers.LastOrDefault(h => h.Name.Equals("Content-Transfer-Encoding", StringComparison.OrdinalIgnoreCase))?.Value.Trim().ToLowerInvariant();
            var bytes = encoding switch
            {
                "base64" => DecodeBase64(body),
                "quoted-printable" => DecodeQuotedPrintable(body),
                null or "7bit" or "8bit" or "binary" => Encoding.UTF8.GetBytes(body),
                _ => null,
            };
            var charset = parameters.GetValueOrDefault("charset", "us-ascii");
            decoded = bytes is null ? null : GetEncoding(charset, encoding).GetString(bytes);
        }

        // A header not followed by an empty line has no body at all (RFC 5173 section 5).
        var hasBody = body.Length > 0 || entity.StartsWith("\r\n", StringComparison.Ordinal) || entity.Contains("\r\n\r\n", StringComparison.Ordinal);
        return new TestMimePart(headers, type, body, decoded, children, hasBody);
    }

    private static Encoding GetEncoding(string charset, string? transferEncoding)
    {
        // 8bit bodies were read as UTF-8 text; only transfer-encoded bytes need the declared charset.
        if (transferEncoding is not ("base64" or "quoted-printable") || charset.Equals("us-ascii", StringComparison.OrdinalIgnoreCase))
        {
            return Encoding.UTF8;
        }

        try
        {
            return Encoding.GetEncoding(charset);
        }
        catch (ArgumentException)
        {
            return Encoding.UTF8;
        }
    }

    internal static (List<SieveHeader> Headers, string Body) SplitHeader(string entity)
    {
        var headers = new List<SieveHeader>();
        var position = 0;
        string? name = null;
        var value = new StringBuilder();
        while (position < entity.Length)
        {
            var end = entity.IndexOf("\r\n", position, StringComparison.Ordinal);
            var line = end < 0 ? entity[position..] : entity[position..end];
            var next = end < 0 ? entity.Length : end + 2;
            if (line.Length == 0)
            {
                position = next;
                break;
            }

            if (line[0] is ' ' or '\t' && name is not null)
            {
                value.Append(line);
                position = next;
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                // Not a header line: the body starts here.
                break;
            }

            if (name is not null)
            {
                headers.Add(new SieveHeader(name, value.ToString().TrimStart(' ', '\t')));
            }

            name = line[..colon].TrimEnd();
            value.Clear().Append(line, colon + 1, line.Length - colon - 1);
            position = next;
        }

        if (name is not null)
        {
            headers.Add(new SieveHeader(name, value.ToString().TrimStart(' ', '\t')));
        }

        return (headers, position <= entity.Length ? entity[position..] : string.Empty);
    }

    private static (string Type, Dictionary<string, string> Parameters) ParseContentType(string? value, string defaultType)
    {
        var parameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (string.IsNullOrWhiteSpace(value))
        {
            return (defaultType, parameters);
        }

        var parts = value.Split(';');
        var type = parts[0].Trim().ToLowerInvariant();
        foreach (var part in parts.Skip(1))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                parameters[part[..equals].Trim()] = part[(equals + 1)..].Trim().Trim('"');
            }
        }

        return (type.Contains('/', StringComparison.Ordinal) ? type : defaultType, parameters);
    }

    private static List<string> SplitMultipart(string body, string boundary)
    {
        var parts = new List<string>();
        var delimiter = "--" + boundary;
        var lines = body.Split("\r\n");
        StringBuilder? current = null;
        foreach (var line in lines)
        {
            if (line.StartsWith(delimiter, StringComparison.Ordinal))
            {
                if (current is not null)
                {
                    parts.Add(current.Length >= 2 ? current.ToString(0, current.Length - 2) : current.ToString());
                }

                if (line.AsSpan(delimiter.Length).TrimEnd().SequenceEqual("--"))
                {
                    return parts;
                }

                current = new StringBuilder();
                continue;
            }

            current?.Append(line).Append("\r\n");
        }

        if (current is not null)
        {
            parts.Add(current.ToString());
        }

        return parts;
    }

    private static byte[] DecodeBase64(string body)
    {
        var clean = new string(body.Where(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '/').ToArray());
        clean = clean[..(clean.Length - (clean.Length % 4 == 1 ? 1 : 0))];
        clean += new string('=', (4 - (clean.Length % 4)) % 4);
        return Convert.FromBase64String(clean);
    }

    private static byte[] DecodeQuotedPrintable(string body)
    {
        var output = new List<byte>(body.Length);
        for (var i = 0; i < body.Length; i++)
        {
            var c = body[i];
            if (c == '=' && i + 2 < body.Length && body[i + 1] == '\r' && body[i + 2] == '\n')
            {
                i += 2;
            }
            else if (c == '=' && i + 2 < body.Length && Uri.IsHexDigit(body[i + 1]) && Uri.IsHexDigit(body[i + 2]))
            {
                output.Add((byte)((Uri.FromHex(body[i + 1]) << 4) | Uri.FromHex(body[i + 2])));
                i += 2;
            }
            else
            {
                output.AddRange(Encoding.UTF8.GetBytes(c.ToString()));
            }
        }

        return [.. output];
    }
}
