using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using MailMesh.Sieve.Interpretation;
using MailMesh.Sieve.Parsing;
using MailMesh.Sieve.Validation;

namespace MailMesh.Sieve.Matching;

/// <summary>
/// The comparator, match type and relation of one test, resolved while validating; matches a
/// list of values against a list of keys and sets match variables.
/// </summary>
public sealed class SieveMatcher
{
    private const int MaxCachedPatterns = 1024;
    private ConcurrentDictionary<string, Regex>? _regexCache;
    private ConcurrentDictionary<string, Glob>? _globCache;
    private ConcurrentDictionary<string, bool>? _ilPatterns;

    /// <summary>Creates a matcher.</summary>
    public SieveMatcher(SieveComparator comparator, SieveMatchType matchType, SieveRelation relation = SieveRelation.Equal)
    {
        Comparator = comparator;
        MatchType = matchType;
        Relation = relation;
    }

    /// <summary>The comparator (default i;ascii-casemap).</summary>
    public SieveComparator Comparator { get; }

    /// <summary>The match type (default :is).</summary>
    public SieveMatchType MatchType { get; }

    /// <summary>The relation for :value and :count.</summary>
    public SieveRelation Relation { get; }

    /// <summary>The tags this matcher reads, for definitions to accept.</summary>
    public static IEnumerable<SieveTagDefinition> Tags =>
    [
        new("comparator", SieveArgumentKind.String, null, "comparator"),
        new("is", null, null, "match-type"),
        new("contains", null, null, "match-type"),
        new("matches", null, null, "match-type"),
        new("regex", null, "regex", "match-type"),
        new("value", SieveArgumentKind.String, "relational", "match-type"),
        new("count", SieveArgumentKind.String, "relational", "match-type"),
    ];

    /// <summary>Builds the matcher from a node's tags, reporting bad comparators, relations and regexes.</summary>
    /// <param name="context">Where to report problems.</param>
    /// <param name="node">The test node.</param>
    /// <param name="keyArgument">The key list, checked for regex syntax when constant.</param>
    public static SieveMatcher Create(SieveValidationContext context, SieveNode node, SieveArgument? keyArgument)
    {
        var args = node.Args;
        var comparator = SieveComparator.AsciiCaseMap;
        if (args.Value("comparator") is SieveStringListArgument { Items: [var name] })
        {
            var found = SieveComparator.Find(name.Value);
            if (found is null)
            {
                context.Error(name.Position, $"unknown comparator '{name.Value}' for the {node.Name} test: expected i;octet, i;ascii-casemap, i;ascii-numeric or i;unicode-casemap");
            }
            else if (found != SieveComparator.Octet && found != SieveComparator.AsciiCaseMap && !context.IsRequired("comparator-" + found.Name))
            {
                context.Error(name.Position, $"comparator '{found.Name}' requires the 'comparator-{found.Name}' extension: add require \"comparator-{found.Name}\";");
            }
            else
            {
                comparator = found;
            }
        }

        var type = args.Group("match-type") switch
        {
            "contains" => SieveMatchType.Contains,
            "matches" => SieveMatchType.Matches,
            "regex" => SieveMatchType.Regex,
            "value" => SieveMatchType.Value,
            "count" => SieveMatchType.Count,
            _ => SieveMatchType.Is,
        };

        var relation = SieveRelation.Equal;
        if (type is SieveMatchType.Value or SieveMatchType.Count && args.Value(type == SieveMatchType.Value ? "value" : "count") is SieveStringListArgument { Items: [var rel] })
        {
            var parsed = ParseRelation(rel.Value);
            if (parsed is null)
            {
                context.Error(rel.Position, $"invalid relation '{rel.Value}' for :{(type == SieveMatchType.Value ? "value" : "count")}: expected gt, ge, lt, le, eq or ne");
            }

            relation = parsed ?? SieveRelation.Equal;
        }

        if (!comparator.SupportsSubstring && type is SieveMatchType.Contains or SieveMatchType.Matches or SieveMatchType.Regex)
        {
            context.Error(node.Position, $"comparator '{comparator.Name}' does not support substring matching (:{type.ToString().ToLowerInvariant()}) in the {node.Name} test");
        }

        var matcher = new SieveMatcher(comparator, type, relation);
        if (type == SieveMatchType.Regex && keyArgument is SieveStringListArgument keys)
        {
            foreach (var key in keys.Items.Where(k => !k.HasVariables))
            {
                try
                {
                    matcher.GetRegex(key.Value, context.Limits.RegexTimeout);
                }
                catch (ArgumentException e)
                {
                    context.Error(key.Position, $"invalid regular expression '{key.Value}' in the {node.Name} test: {e.Message}");
                }
            }
        }

        return matcher;
    }

    /// <summary>Parses "gt", "ge", ... (case-insensitive), or null.</summary>
    public static SieveRelation? ParseRelation(string relation) => relation.ToLowerInvariant() switch
    {
        "gt" => SieveRelation.GreaterThan,
        "ge" => SieveRelation.GreaterOrEqual,
        "lt" => SieveRelation.LessThan,
        "le" => SieveRelation.LessOrEqual,
        "eq" => SieveRelation.Equal,
        "ne" => SieveRelation.NotEqual,
        _ => null,
    };

    /// <summary>True when any value matches any key; :count counts the values. Sets match variables on success unless told not to.</summary>
    public bool Match(SieveRuntime runtime, IEnumerable<string> values, IReadOnlyList<string> keys, bool setMatchValues = true)
    {
        if (MatchType == SieveMatchType.Count)
        {
            var count = values.Count().ToString(System.Globalization.CultureInfo.InvariantCulture);
            return keys.Any(k => Relate(Comparator.Compare(count, k)));
        }

        // The captures of a successful match are copied by SetMatchValues: one scratch list per execution serves every test.
        var captures = setMatchValues && MatchType is SieveMatchType.Matches or SieveMatchType.Regex ? runtime.CaptureScratch() : null;
        if (values is IReadOnlyList<string> list)
        {
            for (var v = 0; v < list.Count; v++)
            {
                if (MatchAny(runtime, list[v], keys, captures))
                {
                    return true;
                }
            }

            return false;
        }

        foreach (var value in values)
        {
            if (MatchAny(runtime, value, keys, captures))
            {
                return true;
            }
        }

        return false;
    }

    private bool MatchAny(SieveRuntime runtime, string value, IReadOnlyList<string> keys, List<string>? captures)
    {
        for (var k = 0; k < keys.Count; k++)
        {
            runtime.Step(default);
            if (MatchOne(runtime, value, keys[k], captures))
            {
                if (captures is not null)
                {
                    runtime.SetMatchValues(captures);
                }

                return true;
            }
        }

        return false;
    }

    /// <summary>Matches one value against one key.</summary>
    public bool MatchOne(SieveRuntime runtime, string value, string key, List<string>? captures = null)
    {
        switch (MatchType)
        {
            case SieveMatchType.Is:
                return Comparator.StringEquals(value, key);
            case SieveMatchType.Contains:
                return Contains(value, key);
            case SieveMatchType.Matches:
                return GetGlob(key).Match(value, Comparator, captures);
            case SieveMatchType.Regex:
                return MatchRegex(runtime, value, key, captures);
            case SieveMatchType.Value:
                return Relate(Comparator.Compare(value, key));
            default:
                return Relate(Comparator.Compare("1", key));
        }
    }

    private bool Contains(string value, string key)
    {
        if (key.Length == 0)
        {
            return true;
        }

        if (Comparator == SieveComparator.Octet)
        {
            return value.Contains(key, StringComparison.Ordinal);
        }

        if (Comparator == SieveComparator.AsciiCaseMap)
        {
            return AsciiCaseMapContains(value, key);
        }

        for (var start = 0; start + key.Length <= value.Length; start++)
        {
            var i = 0;
            while (i < key.Length && Comparator.CharEquals(value[start + i], key[i]))
            {
                i++;
            }

            if (i == key.Length)
            {
                return true;
            }
        }

        return false;
    }

    // Every i;ascii-casemap match is also an OrdinalIgnoreCase match (which folds some non-ASCII letters
    // too, such as U+0131 to 'I'): the vectorized search finds the candidates, each is then checked.
    internal static bool AsciiCaseMapContains(ReadOnlySpan<char> value, ReadOnlySpan<char> key)
    {
        var offset = 0;
        while (offset + key.Length <= value.Length)
        {
            var found = value[offset..].IndexOf(key, StringComparison.OrdinalIgnoreCase);
            if (found < 0)
            {
                return false;
            }

            if (SieveComparator.AsciiCaseMapEquals(value.Slice(offset + found, key.Length), key))
            {
                return true;
            }

            offset += found + 1;
        }

        return false;
    }

    private bool MatchRegex(SieveRuntime runtime, string value, string key, List<string>? captures)
    {
        Regex regex;
        try
        {
            regex = GetRegex(key, runtime.Limits.RegexTimeout);
        }
        catch (ArgumentException e)
        {
            // A key built from variables at run time may not be a valid regex: it matches nothing.
            runtime.Warn($"invalid regular expression '{key}' treated as not matching: {e.Message}");
            return false;
        }

        Match match;
        try
        {
            match = regex.Match(value);
        }
        catch (RegexMatchTimeoutException)
        {
            throw runtime.Fail($"the regular expression '{key}' ran longer than {runtime.Limits.RegexTimeout.TotalMilliseconds} ms");
        }

        if (!match.Success)
        {
            return false;
        }

        if (captures is not null)
        {
            captures.Clear();
            for (var g = 0; g < match.Groups.Count; g++)
            {
                captures.Add(match.Groups[g].Success ? match.Groups[g].Value : string.Empty);
            }
        }

        return true;
    }

    // Patterns are compiled once per test node (keys built from variables can differ per message: the
    // caches are bounded so such a key cannot grow them without limit).
    internal Regex GetRegex(string pattern, TimeSpan timeout)
    {
        var cache = LazyInitializer.EnsureInitialized(ref _regexCache, () => new ConcurrentDictionary<string, Regex>(StringComparer.Ordinal));
        if (cache.TryGetValue(pattern, out var regex) && regex.MatchTimeout == timeout)
        {
            return regex;
        }

        regex = new Regex(PosixRegex.Translate(pattern), RegexOptions.CultureInvariant
            | (Comparator == SieveComparator.AsciiCaseMap ? RegexOptions.IgnoreCase : RegexOptions.None)
            | (_ilPatterns?.ContainsKey(pattern) == true ? RegexOptions.Compiled : RegexOptions.None), timeout);
        if (cache.Count >= MaxCachedPatterns)
        {
            cache.Clear();
        }

        cache[pattern] = regex;
        return regex;
    }

    /// <summary>
    /// Marks a constant pattern of a compiled script to be compiled to IL when next built (the same matching,
    /// several times faster over long values such as bodies); the interpreted instance built while validating
    /// is dropped.
    /// </summary>
    internal void CompileToIL(string pattern)
    {
        var marked = LazyInitializer.EnsureInitialized(ref _ilPatterns, () => new ConcurrentDictionary<string, bool>(StringComparer.Ordinal));
        if (marked.TryAdd(pattern, true) && _regexCache is { } cache && cache.TryGetValue(pattern, out var built) && (built.Options & RegexOptions.Compiled) == 0)
        {
            cache.TryRemove(pattern, out _);
        }
    }

    private Glob GetGlob(string pattern)
    {
        var cache = LazyInitializer.EnsureInitialized(ref _globCache, () => new ConcurrentDictionary<string, Glob>(StringComparer.Ordinal));
        if (cache.TryGetValue(pattern, out var glob))
        {
            return glob;
        }

        glob = Glob.Compile(pattern);
        if (cache.Count >= MaxCachedPatterns)
        {
            cache.Clear();
        }

        cache[pattern] = glob;
        return glob;
    }

    private bool Relate(int comparison) => Relation switch
    {
        SieveRelation.GreaterThan => comparison > 0,
        SieveRelation.GreaterOrEqual => comparison >= 0,
        SieveRelation.LessThan => comparison < 0,
        SieveRelation.LessOrEqual => comparison <= 0,
        SieveRelation.Equal => comparison == 0,
        _ => comparison != 0,
    };
}
