using System.Text.RegularExpressions;
using MailMesh.Sieve.Extensions.Core;
using MailMesh.Sieve.Interpretation;
using MailMesh.Sieve.Messages;
using MailMesh.Sieve.Parsing;
using MailMesh.Sieve.Validation;

namespace MailMesh.Sieve.Extensions.Body;

/// <summary><c>body [COMPARATOR] [MATCH-TYPE] [:raw | :content types | :text] key-list</c> (RFC 5173).</summary>
internal sealed partial class BodyTest : SieveMatchingTest
{
    public BodyTest()
        : base("body", "body", SieveArgumentKind.StringList)
    {
        PositionalNames = ["key list"];
        AddTag(new SieveTagDefinition("raw", null, null, "transform"));
        AddTag(new SieveTagDefinition("content", SieveArgumentKind.StringList, null, "transform"));
        AddTag(new SieveTagDefinition("text", null, null, "transform"));
    }

    protected override bool SetsMatchValues => false;

    protected override IEnumerable<string> Values(SieveRuntime runtime, SieveTestNode test)
    {
        // Each transform is extracted (decoded, HTML stripped) once per execution, however many tests use it.
        var raw = test.Args.Has("raw");
        var types = test.Args.Value("content") is { } content ? runtime.GetStrings(content) : null;
        var key = raw ? "raw" : types is null ? "text" : "content\0" + string.Join('\0', types);
        runtime.BodyValues ??= new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        if (runtime.BodyValues.TryGetValue(key, out var cached))
        {
            return cached;
        }

        var root = runtime.Message.Root;
        List<string> values;
        if (!root.HasBody)
        {
            values = [];
        }
        else if (raw)
        {
            values = [root.RawContent];
        }
        else
        {
            values = [];
            Collect(root, types ?? ["text", "application/xhtml+xml"], values, runtime, textMode: types is null);
        }

        runtime.BodyValues[key] = values;
        return values;
    }

    private static void Collect(ISieveMimePart part, IReadOnlyList<string> types, List<string> values, SieveRuntime runtime, bool textMode)
    {
        runtime.Step(default);
        var isMultipart = part.ContentType.StartsWith("multipart/", StringComparison.Ordinal);
        var matches = types.Any(t => TypeMatches(part.ContentType, t));
        if (matches && isMultipart && !textMode)
        {
            // RFC 5173 5.2: a multipart's own content is its prologue and epilogue.
            values.AddRange(MultipartText(part));
        }
        else if (matches && part.ContentType == "message/rfc822" && !textMode)
        {
            // ... and a message/rfc822's own content is the header of the enclosed message.
            var raw = part.RawContent;
            var end = raw.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            values.Add(end < 0 ? raw : raw[..(end + 2)]);
        }
        else if (matches && !isMultipart && part.ContentType != "message/rfc822" && (part.DecodedText is not null || !textMode || !part.ContentType.StartsWith("text/", StringComparison.Ordinal)))
        {
            // :text reads text parts decoded; one that cannot be decoded (unknown transfer encoding) is skipped.
            var text = part.DecodedText ?? part.RawContent;
            values.Add(textMode && part.ContentType is "text/html" or "application/xhtml+xml" ? StripHtml(text) : text);
        }

        foreach (var child in part.Children)
        {
            Collect(child, types, values, runtime, textMode);
        }
    }

    // "" matches every type; "text" matches text/*; "text/html" matches exactly (RFC 5173 section 5.2).
    private static bool TypeMatches(string contentType, string wanted)
    {
        if (wanted.Length == 0)
        {
            return true;
        }

        var typeSlash = contentType.IndexOf('/', StringComparison.Ordinal);
        if (typeSlash < 0 || contentType.IndexOf('/', typeSlash + 1) >= 0)
        {
            return false;
        }

        var slash = wanted.IndexOf('/', StringComparison.Ordinal);
        if (slash == 0 || slash == wanted.Length - 1 || wanted.IndexOf('/', slash + 1) >= 0)
        {
            return false;
        }

        return slash < 0
            ? contentType.StartsWith(wanted + "/", StringComparison.OrdinalIgnoreCase)
            : contentType.Equals(wanted, StringComparison.OrdinalIgnoreCase);
    }

    private static IEnumerable<string> MultipartText(ISieveMimePart part)
    {
        var contentType = part.Headers.LastOrDefault(h => h.Name.Equals("content-type", StringComparison.OrdinalIgnoreCase))?.Value ?? string.Empty;
        var match = BoundaryPattern().Match(contentType);
        if (!match.Success)
        {
            yield break;
        }

        var delimiter = "--" + match.Groups[1].Value;
        var raw = part.RawContent;
        var first = raw.StartsWith(delimiter, StringComparison.Ordinal) ? 0 : raw.IndexOf("\r\n" + delimiter, StringComparison.Ordinal);
        if (first < 0)
        {
            yield return raw;
            yield break;
        }

        yield return raw[..first];
        var close = raw.IndexOf(delimiter + "--", first, StringComparison.Ordinal);
        if (close >= 0)
        {
            var lineEnd = raw.IndexOf("\r\n", close, StringComparison.Ordinal);
            yield return lineEnd < 0 ? string.Empty : raw[(lineEnd + 2)..];
        }
    }

    [GeneratedRegex("boundary\\s*=\\s*\"?([^\";]+)\"?", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, 1000)]
    private static partial Regex BoundaryPattern();

    // Every tag (from '<' to the next '>') becomes one space, then entities are decoded.
    private static string StripHtml(string html)
    {
        var open = html.IndexOf('<', StringComparison.Ordinal);
        if (open < 0)
        {
            return System.Net.WebUtility.HtmlDecode(html);
        }

        var text = new System.Text.StringBuilder(html.Length);
        var i = 0;
        while (open >= 0)
        {
            var close = html.IndexOf('>', open + 1);
            if (close < 0)
            {
                break;
            }

            text.Append(html, i, open - i).Append(' ');
            i = close + 1;
            open = html.IndexOf('<', i);
        }

        text.Append(html, i, html.Length - i);
        return System.Net.WebUtility.HtmlDecode(text.ToString());
    }
}

/// <summary>The body extension (RFC 5173).</summary>
internal sealed class BodyExtension : ISieveExtension
{
    public void Register(SieveLanguage language)
    {
        language.AddCapability("body");
        language.AddTest(new BodyTest());
    }
}
