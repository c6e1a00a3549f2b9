using MailMesh.Sieve.Extensions.Core;
using MailMesh.Sieve.Interpretation;
using MailMesh.Sieve.Parsing;
using MailMesh.Sieve.Validation;

namespace MailMesh.Sieve.Extensions.Imap4Flags;

/// <summary>Flag-list handling (RFC 5232 section 3): space-separated, no duplicates (case-insensitive).</summary>
public static class FlagList
{
    /// <summary>Splits every string on spaces and removes duplicates, keeping the first spelling.</summary>
    public static List<string> Normalize(IEnumerable<string> values)
    {
        var result = new List<string>();
        foreach (var value in values)
        {
            foreach (var flag in value.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!result.Exists(f => f.Equals(flag, StringComparison.OrdinalIgnoreCase)))
                {
                    result.Add(flag);
                }
            }
        }

        return result;
    }
}

/// <summary><c>setflag</c>, <c>addflag</c>, <c>removeflag</c> <c>[variablename] list-of-flags</c>.</summary>
internal sealed class FlagCommand : SieveCommandDefinition
{
    public FlagCommand(string name)
        : base(name, "imap4flags", SieveArgumentKind.String, SieveArgumentKind.StringList)
    {
        PositionalNames = ["variable name", "flag list"];
        MinPositional = 1;
    }

    public override void Validate(SieveValidationContext context, SieveNode node)
    {
        if (node.Args.Positional.Count == 2)
        {
            if (!context.IsRequired("variables"))
            {
                context.Error(node.Position, $"{node.Name}: a variable name argument requires the 'variables' extension");
            }
            else if (node.Args.Positional[0] is SieveStringListArgument { Items: [{ HasVariables: false } name] } && !Variables.VariableNames.IsValidAssignable(name.Value))
            {
                context.Error(name.Position, $"{node.Name}: invalid variable name '{name.Value}'");
            }
        }
    }

    public override void Execute(SieveRuntime runtime, SieveCommandNode command)
    {
        var flags = FlagList.Normalize(runtime.GetStrings(command.Args.Positional[^1]));
        if (command.Args.Positional.Count == 2)
        {
            var variable = runtime.GetString(command.Args.Positional[0]);
            var current = FlagList.Normalize([runtime.GetVariable(variable) ?? string.Empty]);
            runtime.SetVariable(variable, string.Join(' ', Update(current, flags)), command.Position);
            return;
        }

        var updated = Update([.. runtime.InternalFlags], flags);
        runtime.InternalFlags.Clear();
        runtime.InternalFlags.AddRange(updated);
    }

    private List<string> Update(List<string> current, List<string> flags) => Name switch
    {
        "setflag" => flags,
        "addflag" => FlagList.Normalize(current.Concat(flags)),
        _ => current.Where(f => !flags.Exists(r => r.Equals(f, StringComparison.OrdinalIgnoreCase))).ToList(),
    };
}

/// <summary><c>hasflag [MATCH-TYPE] [COMPARATOR] [variable-list] list-of-flags</c>.</summary>
internal sealed class HasFlagTest : SieveMatchingTest
{
    public HasFlagTest()
        : base("hasflag", "imap4flags", SieveArgumentKind.StringList, SieveArgumentKind.StringList)
    {
        PositionalNames = ["variable list", "flag list"];
        MinPositional = 1;
    }

    public override void Validate(SieveValidationContext context, SieveNode node)
    {
        base.Validate(context, node);
        if (node.Args.Positional.Count == 2 && !context.IsRequired("variables"))
        {
            context.Error(node.Position, "hasflag: a variable list argument requires the 'variables' extension");
        }
    }

    protected override IEnumerable<string> Values(SieveRuntime runtime, SieveTestNode test)
    {
        if (test.Args.Positional.Count == 2)
        {
            var names = runtime.GetStrings(test.Args.Positional[0]);
            return FlagList.Normalize(names.Select(n => runtime.GetVariable(n) ?? string.Empty));
        }

        return [.. runtime.InternalFlags];
    }

    // Keys are flag lists too: "a b" means the flags a and b (RFC 5232 section 5).
    public override bool Evaluate(SieveRuntime runtime, SieveTestNode test)
    {
        var matcher = (Matching.SieveMatcher)test.Annotation!;
        var keys = matcher.MatchType == Matching.SieveMatchType.Count
            ? runtime.GetStrings(test.Args.Positional[^1])
            : FlagList.Normalize(runtime.GetStrings(test.Args.Positional[^1]));
        return matcher.Match(runtime, Values(runtime, test), keys);
    }
}

/// <summary>The imap4flags extension (RFC 5232).</summary>
internal sealed class Imap4FlagsExtension : ISieveExtension
{
    public void Register(SieveLanguage language)
    {
        language.AddCapability("imap4flags");
        language.AddCommand(new FlagCommand("setflag"));
        language.AddCommand(new FlagCommand("addflag"));
        language.AddCommand(new FlagCommand("removeflag"));
        language.AddTest(new HasFlagTest());
        language.GetCommand("keep").AddTag(new SieveTagDefinition("flags", SieveArgumentKind.StringList, "imap4flags"));
        language.GetCommand("fileinto").AddTag(new SieveTagDefinition("flags", SieveArgumentKind.StringList, "imap4flags"));
    }
}
