using MailMesh.Sieve.Extensions.Core;
using MailMesh.Sieve.Internal;
using MailMesh.Sieve.Interpretation;
using MailMesh.Sieve.Parsing;
using MailMesh.Sieve.Validation;

namespace MailMesh.Sieve.Extensions.Date;

/// <summary>
/// <c>date [:zone z | :originalzone] [COMPARATOR] [MATCH-TYPE] [:index n [:last]] header date-part key-list</c>
/// and <c>currentdate [:zone z] [COMPARATOR] [MATCH-TYPE] date-part key-list</c> (RFC 5260).
/// </summary>
internal sealed class DateTest : SieveMatchingTest
{
    private readonly bool _current;

    public DateTest(bool current)
        : base(current ? "currentdate" : "date", "date", current
            ? new[] { SieveArgumentKind.String, SieveArgumentKind.StringList }
            : new[] { SieveArgumentKind.String, SieveArgumentKind.String, SieveArgumentKind.StringList })
    {
        _current = current;
        PositionalNames = current ? ["date part", "key list"] : ["header name", "date part", "key list"];
        AddTag(new SieveTagDefinition("zone", SieveArgumentKind.String, null, "zone"));
        if (!current)
        {
            AddTag(new SieveTagDefinition("originalzone", null, null, "zone"));
            AddTags(MessageValues.IndexTags);
        }
    }

    public override void Validate(SieveValidationContext context, SieveNode node)
    {
        base.Validate(context, node);
        var partArgument = node.Args.Positional.Count >= 2 ? node.Args.Positional[^2] : null;
        if (partArgument is SieveStringListArgument { Items: [{ HasVariables: false } part] } && !DateParts.Names.Contains(part.Value.ToLowerInvariant()))
        {
            context.Error(part.Position, $"the {node.Name} test: unknown date part '{part.Value}': expected one of {string.Join(", ", DateParts.Names)}");
        }

        if (node.Args.Value("zone") is SieveStringListArgument { Items: [{ HasVariables: false } zone] } && ParseZone(zone.Value) is null)
        {
            context.Warning(zone.Position, $"the {node.Name} test: invalid time zone '{zone.Value}': expected +hhmm or -hhmm; the local zone is used");
        }
    }

    protected override IEnumerable<string> Values(SieveRuntime runtime, SieveTestNode test)
    {
        var part = runtime.GetString(test.Args.Positional[^2]);
        TimeSpan? zone = test.Args.Value("zone") is { } z ? ParseZone(runtime.GetString(z)) ?? runtime.Options.LocalZone : null;
        if (_current)
        {
            return [DateParts.Get(runtime.Now.ToOffset(zone ?? runtime.Options.LocalZone), part)];
        }

        var header = runtime.GetString(test.Args.Positional[0]);
        var (index, last) = IndexOf(test);
        var values = new List<string>();
        foreach (var raw in MessageValues.Header(runtime, header, index, last))
        {
            var text = header.Equals("received", StringComparison.OrdinalIgnoreCase) && raw.LastIndexOf(';') is var semicolon and >= 0
                ? raw[(semicolon + 1)..]
                : raw;
            if (MessageDate.Parse(text) is not { } date)
            {
                continue;
            }

            var shown = test.Args.Has("originalzone") ? date : date.ToOffset(zone ?? runtime.Options.LocalZone);
            values.Add(DateParts.Get(shown, part));
        }

        return values;
    }

    private static TimeSpan? ParseZone(string zone) =>
        zone.Length == 5 && zone[0] is '+' or '-' && zone.Skip(1).All(char.IsAsciiDigit) ? MessageDate.ParseZone(zone) : null;
}

/// <summary>The date extension (RFC 5260): date and currentdate; also index's :index on date.</summary>
internal sealed class DateExtension : ISieveExtension
{
    public void Register(SieveLanguage language)
    {
        language.AddCapability("date");
        language.AddTest(new DateTest(current: false));
        language.AddTest(new DateTest(current: true));
    }
}
