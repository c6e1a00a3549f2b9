using System.Text.RegularExpressions;
using MailMesh.Mime;

namespace MailMesh.Rules.Spam;

/// <summary>
/// The scorer used when no spamd is configured: a handful of cheap, well-known signals on the header and
/// the text body, in SpamAssassin-like points with a threshold of 5. It is deliberately conservative: it
/// separates obvious junk from normal mail, nothing finer. Deterministic and thread-safe.
/// </summary>
public sealed partial class HeuristicSpamScorer : ISpamScorer
{
    /// <summary>The score from which a message counts as spam.</summary>
    public const double Threshold = 5.0;

    private const int MaxBodyChars = 64 * 1024;

    /// <inheritdoc />
    public ValueTask<SpamScore?> ScoreAsync(ReadOnlyMemory<byte> message, MimeMessage parsed, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parsed);
        return ValueTask.FromResult<SpamScore?>(Score(parsed));
    }

    /// <summary>Scores a parsed message.</summary>
    public static SpamScore Score(MimeMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var rules = new List<string>();
        var score = 0.0;
        void Hit(string rule, double points)
        {
            rules.Add(rule);
            score += points;
        }

        var headers = message.Headers;
        if (!headers.Contains("Message-ID"))
        {
            Hit("MISSING_MID", 1.0);
        }

        if (!headers.Contains("Date"))
        {
            Hit("MISSING_DATE", 1.0);
        }

        if (!headers.Contains("From"))
        {
            Hit("MISSING_FROM", 1.5);
        }

        var subject = headers["Subject"] ?? string.Empty;
        if (subject.Length == 0)
        {
            Hit("MISSING_SUBJECT", 0.5);
        }
        else
        {
            var letters = subject.Count(char.IsLetter);
            if (letters >= 8 && subject.Count(char.IsUpper) >= letters * 0.8)
            {
                Hit("SUBJ_ALL_CAPS", 1.5);
            }

            if (subject.Count(c => c is '!' or '$') >= 3)
            {
                Hit("SUBJ_EXCLAIM", 1.0);
            }

            if (SpamPhrases().IsMatch(subject))
            {
                Hit("SUBJ_SPAM_PHRASE", 2.0);
            }
        }

        if (headers["From"] is { } from && FromNameWithOtherAddress().Match(from) is { Success: true } m
            && !from.Contains("<" + m.Groups[1].Value, StringComparison.OrdinalIgnoreCase))
        {
            Hit("FROM_NAME_OTHER_ADDR", 1.5);
        }

        if (message.TextBodyPart is null && message.HtmlBodyPart is not null)
        {
            Hit("HTML_ONLY", 1.0);
        }

        var body = message.GetTextOrRenderedHtml() ?? string.Empty;
        if (body.Length > MaxBodyChars)
        {
            body = body[..MaxBodyChars];
        }

        var phrases = SpamPhrases().Count(body);
        if (phrases > 0)
        {
            Hit("BODY_SPAM_PHRASE", Math.Min(phrases, 3) * 1.2);
        }

        var links = Links().Count(body);
        if (links > 10)
        {
            Hit("MANY_LINKS", 1.0);
        }

        if (IpLinks().IsMatch(body))
        {
            Hit("IP_LINK", 1.5);
        }

        return new SpamScore(Math.Round(score, 1), Threshold, "heuristic", rules);
    }

    [GeneratedRegex(@"\b(viagra|cialis|lottery|you (have )?won|winner|claim your prize|free money|bitcoin investment|act now|limited time offer|100% free|wire transfer|nigerian prince|work from home|lose weight)\b",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 200)]
    private static partial Regex SpamPhrases();

    [GeneratedRegex(@"^""?[^""<]*?([A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+)[^""<]*""?\s*<", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 200)]
    private static partial Regex FromNameWithOtherAddress();

    [GeneratedRegex(@"https?://", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 200)]
    private static partial Regex Links();

    [GeneratedRegex(@"https?://\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 200)]
    private static partial Regex IpLinks();
}
