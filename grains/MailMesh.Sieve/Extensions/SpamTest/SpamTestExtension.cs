using System.Globalization;
using System.Text.RegularExpressions;
using MailMesh.Sieve.Extensions.Core;
using MailMesh.Sieve.Interpretation;
using MailMesh.Sieve.Parsing;
using MailMesh.Sieve.Validation;

namespace MailMesh.Sieve.Extensions.SpamTest;

/// <summary>
/// <c>spamtest [:percent] [COMPARATOR] [MATCH-TYPE] value</c> and <c>virustest [COMPARATOR] [MATCH-TYPE] value</c>
/// (RFC 5235). The score comes from a configured header; "0" means the message was not tested.
/// </summary>
internal sealed class ScoreTest : SieveMatchingTest
{
    private readonly bool _virus;

    public ScoreTest(string name, string extension)
        : base(name, extension, SieveArgumentKind.String)
    {
        PositionalNames = ["value"];
        _virus = name == "virustest";
        if (!_virus)
        {
            AddTag(new SieveTagDefinition("percent", null, "spamtestplus"));
        }
    }

    protected override IEnumerable<string> Values(SieveRuntime runtime, SieveTestNode test)
    {
        var config = _virus ? runtime.Options.VirusScore : runtime.Options.SpamScore;
        var level = config is null ? null : Level(runtime, config, test.Args.Has("percent"));
        return [(level ?? 0).ToString(CultureInfo.InvariantCulture)];
    }

    // 0 = not tested; spamtest 1..10 (or :percent 0..100), virustest 1..5 (RFC 5235 section 3).
    private int? Level(SieveRuntime runtime, SieveScoreHeader config, bool percent)
    {
        var top = _virus ? 5 : 10;
        var header = MessageValues.Header(runtime, config.HeaderName).FirstOrDefault();
        var pattern = config.ValuePattern ?? (config.Kind == SieveScoreKind.Score ? @"(-?(?:\d+(?:\.\d+)?|\.\d+))" : null);
        if (header is null || Extract(header, pattern) is not { } text)
        {
            return null;
        }

        if (config.Kind == SieveScoreKind.Text)
        {
            var entry = config.TextValues?.FirstOrDefault(v => v.Value.Equals(text.Trim(), StringComparison.OrdinalIgnoreCase));
            if (entry is not { Value: not null } found)
            {
                return null;
            }

            return percent ? (int)Math.Round((found.Key - 1) * 100.0 / (top - 1)) : found.Key;
        }

        double score;
        if (config.Kind == SieveScoreKind.Strlen)
        {
            score = text.Trim().Length;
        }
        else if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out score))
        {
            return null;
        }

        var max = config.MaxValue;
        if (config.MaxHeaderName is not null
            && MessageValues.Header(runtime, config.MaxHeaderName).FirstOrDefault() is { } maxHeader
            && Extract(maxHeader, config.MaxValuePattern) is { } maxText
            && double.TryParse(maxText, NumberStyles.Float, CultureInfo.InvariantCulture, out var headerMax))
        {
            max = headerMax;
        }

        if (max <= 0)
        {
            return null;
        }

        var ratio = Math.Clamp(score / max, 0, 1);
        if (percent)
        {
            return (int)Math.Round(ratio * 100);
        }

        return 1 + (int)Math.Floor((ratio * (top - 1)) + 1e-9);
    }

    private static string? Extract(string value, string? pattern)
    {
        if (pattern is null)
        {
            return value;
        }

        var match = Regex.Match(value, Matching.PosixRegex.Translate(pattern), RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100));
        if (!match.Success)
        {
            return null;
        }

        return match.Groups.Count > 1 && match.Groups[1].Success ? match.Groups[1].Value : match.Value;
    }
}

/// <summary>The spamtest, spamtestplus and virustest extensions (RFC 5235).</summary>
internal sealed class SpamTestExtension : ISieveExtension
{
    public void Register(SieveLanguage language)
    {
        language.AddCapability("spamtest");
        language.AddCapability("spamtestplus");
        language.AddCapability("virustest");
        language.AddTest(new SpamTestDefinitionProxy());
        language.AddTest(new ScoreTest("virustest", "virustest"));
    }

    // spamtest is usable with either "spamtest" or "spamtestplus" required.
    private sealed class SpamTestDefinitionProxy : SieveTestDefinition
    {
        private readonly ScoreTest _inner = new("spamtest", "spamtest");

        public SpamTestDefinitionProxy()
            : base("spamtest", null, SieveArgumentKind.String)
        {
            AddTags(_inner.Tags);
        }

        public override void Validate(SieveValidationContext context, SieveNode node)
        {
            if (!context.IsRequired("spamtest") && !context.IsRequired("spamtestplus"))
            {
                context.Error(node.Position, "test 'spamtest' requires the 'spamtest' extension: add require \"spamtest\";");
            }

            _inner.Validate(context, node);
        }

        public override bool Evaluate(SieveRuntime runtime, SieveTestNode test) => _inner.Evaluate(runtime, test);
    }
}
