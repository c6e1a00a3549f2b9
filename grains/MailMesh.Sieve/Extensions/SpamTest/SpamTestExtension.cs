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
        _virus = name == "virustest";
        if (!_virus)
        {
            AddTag(new SieveTagDefinition("percent", null, "spamtestplus"));
        }
    }

    protected override IEnumerable<string> Values(SieveRuntime runtime, SieveTestNode test)
    {
        var config = _virus ? runtime.Options.VirusScore : runtime.Options.SpamScore;
        var percent = test.Args.Has("percent");
        var score = config is null ? null : ReadScore(runtime, config);
        if (score is not { } value)
        {
            return ["0"];
        }

        var ratio = Math.Clamp(value / config!.MaxValue, 0, 1);
        var result = percent ? (int)Math.Round(ratio * 100) : _virus ? 1 + (int)Math.Round(ratio * 4) : 1 + (int)Math.Round(ratio * 9);
        return [result.ToString(CultureInfo.InvariantCulture)];
    }

    private static double? ReadScore(SieveRuntime runtime, SieveScoreHeader config)
    {
        var header = MessageValues.Header(runtime, config.HeaderName).FirstOrDefault();
        if (header is null)
        {
            return null;
        }

        var match = config.ValuePattern is null
            ? Regex.Match(header, @"-?\d+(\.\d+)?", RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100))
            : Regex.Match(header, config.ValuePattern, RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100));
        if (!match.Success)
        {
            return null;
        }

        var text = match.Groups.Count > 1 && match.Groups[1].Success && config.ValuePattern is not null ? match.Groups[1].Value : match.Value;
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var score) ? score : null;
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
