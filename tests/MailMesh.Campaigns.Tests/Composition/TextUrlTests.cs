using System.Text.RegularExpressions;
using MailMesh.Campaigns.Links;

namespace MailMesh.Campaigns.Tests.Composition;

/// <summary>The text part's URL search, against the regular expression it replaces.</summary>
public sealed partial class TextUrlTests
{
    [Fact]
    public void NextUrl_RandomText_FindsWhatTheUrlPatternFinds()
    {
        var random = new Random(21);
        string[] pieces = ["http://", "https://", "HTTP://", "hTtPs://", "http:/", "https:", "h", "x.example/a?b=1", "\"", "<", ">", " ", "\t", "\u00a0", "\u2028", "\u3000", "é", ".", ")", "s", "://"];
        for (var n = 0; n < 5_000; n++)
        {
            var text = string.Concat(Enumerable.Range(0, random.Next(1, 12)).Select(_ => pieces[random.Next(pieces.Length)]));

            var found = new List<string>();
            for (var at = 0; LinkRewriter.NextUrl(text, at) is var (start, length) && length > 0; at = start + length)
            {
                found.Add(text.Substring(start, length));
            }

            Assert.Equal(UrlPattern().Matches(text).Select(m => m.Value), found);
        }
    }

    [GeneratedRegex(@"https?://[^\s<>""]+", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex UrlPattern();
}
