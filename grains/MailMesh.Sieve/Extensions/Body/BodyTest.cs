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
        AddTag(new SieveTagDefinition("raw", null, null, "transform"));
        AddTag(new SieveTagDefinition("content", SieveArgumentKind.StringList, null, "transform"));
        AddTag(new SieveTagDefinition("text", null, null, "transform"));
    }

    protected override IEnumerable<string> Values(SieveRuntime runtime, SieveTestNode test)
    {
        var root = runtime.Message.Root;
        if (test.Args.Has("raw"))
        {
            return [root.RawContent];
        }

        if (test.Args.Value("content") is { } content)
        {
            var types = runtime.GetStrings(content);
            var values = new List<string>();
            Collect(root, types, values, runtime, textMode: false);
            return values;
        }

        var text = new List<string>();
        Collect(root, ["text"], text, runtime, textMode: true);
        return text;
    }

    private static void Collect(ISieveMimePart part, IReadOnlyList<string> types, List<string> values, SieveRuntime runtime, bool textMode)
    {
        runtime.Step(default);
        var isMultipart = part.ContentType.StartsWith("multipart/", StringComparison.Ordinal);
        if (!isMultipart && part.ContentType != "message/rfc822" && types.Any(t => TypeMatches(part.ContentType, t)))
        {
            var text = part.DecodedText ?? part.RawContent;
            values.Add(textMode && part.ContentType == "text/html" ? StripHtml(text) : text);
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

        var slash = wanted.IndexOf('/', StringComparison.Ordinal);
        return slash < 0
            ? contentType.StartsWith(wanted + "/", StringComparison.OrdinalIgnoreCase)
            : contentType.Equals(wanted, StringComparison.OrdinalIgnoreCase);
    }

    private static string StripHtml(string html) => System.Net.WebUtility.HtmlDecode(TagPattern().Replace(html, " "));

    [GeneratedRegex("<[^>]*>", RegexOptions.CultureInvariant, 1000)]
    private static partial Regex TagPattern();
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
