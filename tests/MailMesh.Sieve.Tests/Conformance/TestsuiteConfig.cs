using System.Globalization;
using MailMesh.Sieve.Interpretation;

namespace MailMesh.Sieve.Tests.Conformance;

/// <summary>Maps the Pigeonhole settings the corpus sets (test_config_set) onto execution options.</summary>
internal static class TestsuiteConfig
{
    private static readonly string[] Supported =
    [
        "sieve_spamtest_", "sieve_virustest_", "sieve_variables_max_variable_size", "sieve_variables_max_scope_size",
        "recipient_delimiter", "sieve_include_max_nesting_depth", "sieve_include_max_includes", "sieve_vacation_min_period",
        "sieve_user_email", "sieve_max_cpu_time",
    ];

    public static void CheckSupported(string key)
    {
        if (!Supported.Any(s => key.StartsWith(s, StringComparison.OrdinalIgnoreCase)))
        {
            throw new TestUnsupportedException($"setting '{key}' is not mapped by the harness");
        }
    }

    public static SieveExecutionOptions Apply(SieveExecutionOptions options, IReadOnlyDictionary<string, string> config)
    {
        var limits = options.Limits;
        if (config.TryGetValue("sieve_variables_max_variable_size", out var size))
        {
            limits = limits with { MaxVariableSize = (int)ParseSize(size) };
        }

        if (config.TryGetValue("sieve_variables_max_scope_size", out var scope))
        {
            limits = limits with { MaxVariables = (int)ParseSize(scope) };
        }

        if (config.TryGetValue("sieve_include_max_nesting_depth", out var depth))
        {
            limits = limits with { MaxIncludeDepth = (int)ParseSize(depth) };
        }

        if (config.TryGetValue("sieve_include_max_includes", out var includes))
        {
            limits = limits with { MaxIncludedScripts = (int)ParseSize(includes) };
        }

        if (config.TryGetValue("sieve_max_cpu_time", out var cpu))
        {
            limits = limits with { MaxExecutionTime = ParsePeriod(cpu) };
        }

        var result = options with
        {
            Limits = limits,
            SpamScore = Score(config, "spamtest", 10),
            VirusScore = Score(config, "virustest", 5),
        };
        if (config.TryGetValue("recipient_delimiter", out var delimiter))
        {
            result = result with { SubaddressSeparator = delimiter };
        }

        if (config.TryGetValue("sieve_vacation_min_period", out var period))
        {
            result = result with { MinVacationPeriod = ParsePeriod(period) };
        }

        if (config.TryGetValue("sieve_user_email", out var email))
        {
            result = result with { UserAddresses = [email] };
        }

        return result;
    }

    private static SieveScoreHeader? Score(IReadOnlyDictionary<string, string> config, string name, int top)
    {
        if (!config.TryGetValue($"sieve_{name}_status_header", out var header))
        {
            return null;
        }

        var (headerName, pattern) = SplitHeaderSpec(header);
        var kind = config.GetValueOrDefault($"sieve_{name}_status_type", "score").ToLowerInvariant() switch
        {
            "strlen" => SieveScoreKind.Strlen,
            "text" => SieveScoreKind.Text,
            _ => SieveScoreKind.Score,
        };
        var max = config.TryGetValue($"sieve_{name}_score_max_value", out var maxText)
            && double.TryParse(maxText, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) ? parsed : top;
        var texts = new Dictionary<int, string>();
        for (var level = 0; level <= top; level++)
        {
            if (config.TryGetValue($"sieve_{name}_text_value/{level}", out var text))
            {
                texts[level] = text;
            }
        }

        string? maxHeader = null;
        string? maxPattern = null;
        if (config.TryGetValue($"sieve_{name}_score_max_header", out var maxSpec))
        {
            (maxHeader, maxPattern) = SplitHeaderSpec(maxSpec);
        }

        return new SieveScoreHeader(headerName, max, pattern) { Kind = kind, TextValues = texts, MaxHeaderName = maxHeader, MaxValuePattern = maxPattern };
    }

    // "Header-Name: regex" applies the regex to the value of Header-Name.
    private static (string Name, string? Pattern) SplitHeaderSpec(string spec)
    {
        var colon = spec.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? (spec.Trim(), null) : (spec[..colon].Trim(), spec[(colon + 1)..].TrimStart());
    }

    private static long ParseSize(string value)
    {
        var text = value.Trim();
        long multiplier = char.ToLowerInvariant(text[^1]) switch
        {
            'k' => 1024,
            'm' => 1024 * 1024,
            _ => 1,
        };
        return long.Parse(multiplier == 1 ? text : text[..^1], CultureInfo.InvariantCulture) * multiplier;
    }

    private static TimeSpan ParsePeriod(string value)
    {
        var text = value.Trim();
        var unit = char.ToLowerInvariant(text[^1]);
        var number = char.IsAsciiDigit(unit) ? text : text[..^1];
        var amount = double.Parse(number, CultureInfo.InvariantCulture);
        return unit switch
        {
            'd' => TimeSpan.FromDays(amount),
            'h' => TimeSpan.FromHours(amount),
            'm' => TimeSpan.FromMinutes(amount),
            _ => TimeSpan.FromSeconds(amount),
        };
    }
}
