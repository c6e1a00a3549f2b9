using MailMesh.Sieve.Interpretation;
using MailMesh.Sieve.Parsing;
using MailMesh.Sieve.Validation;

namespace MailMesh.Sieve.Extensions.Core;

/// <summary><c>true</c> and <c>false</c>.</summary>
internal sealed class ConstantTest : SieveTestDefinition
{
    private readonly bool _value;

    public ConstantTest(bool value)
        : base(value ? "true" : "false", null)
    {
        _value = value;
    }

    public override bool Evaluate(SieveRuntime runtime, SieveTestNode test) => _value;
}

/// <summary><c>not</c>, <c>allof</c>, <c>anyof</c> (short-circuit).</summary>
internal sealed class LogicTest : SieveTestDefinition
{
    public LogicTest(string name)
        : base(name, null)
    {
        TestRule = name == "not" ? SieveTestRule.One : SieveTestRule.List;
    }

    public override bool Evaluate(SieveRuntime runtime, SieveTestNode test)
    {
        switch (Name)
        {
            case "not":
                return !runtime.Evaluate(test.Tests[0]);
            case "allof":
                for (var i = 0; i < test.Tests.Count; i++)
                {
                    if (!runtime.Evaluate(test.Tests[i]))
                    {
                        return false;
                    }
                }

                return true;
            default:
                for (var i = 0; i < test.Tests.Count; i++)
                {
                    if (runtime.Evaluate(test.Tests[i]))
                    {
                        return true;
                    }
                }

                return false;
        }
    }
}

/// <summary><c>exists header-names</c>: true when every named header is present.</summary>
internal sealed class ExistsTest : SieveTestDefinition
{
    public ExistsTest()
        : base("exists", null, SieveArgumentKind.StringList)
    {
        PositionalNames = ["header names"];
    }

    public override void Validate(SieveValidationContext context, SieveNode node) => HeaderNames.Check(context, node, 0);

    public override bool Evaluate(SieveRuntime runtime, SieveTestNode test)
    {
        var names = runtime.GetStrings(test.Args.Positional[0]);
        for (var i = 0; i < names.Count; i++)
        {
            if (!runtime.Headers.Contains(names[i]))
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary><c>size :over|:under limit</c>.</summary>
internal sealed class SizeTest : SieveTestDefinition
{
    public SizeTest()
        : base("size", null, SieveArgumentKind.Number)
    {
        PositionalNames = ["limit"];
        AddTag(new SieveTagDefinition("over", null, null, "size"));
        AddTag(new SieveTagDefinition("under", null, null, "size"));
    }

    public override void Validate(SieveValidationContext context, SieveNode node)
    {
        if (node.Args.Group("size") is null)
        {
            context.Error(node.Position, "the size test requires :over or :under");
        }
    }

    public override bool Evaluate(SieveRuntime runtime, SieveTestNode test)
    {
        var limit = SieveRuntime.GetNumber(test.Args.Positional[0]);
        var size = runtime.Message.Size + runtime.Headers.SizeDelta;
        return test.Args.Has("over") ? size > limit : size < limit;
    }
}

/// <summary><c>header [COMPARATOR] [MATCH-TYPE] [:index n [:last]] header-names key-list</c>.</summary>
internal sealed class HeaderTest : SieveMatchingTest
{
    public HeaderTest()
        : base("header", null, SieveArgumentKind.StringList, SieveArgumentKind.StringList)
    {
        PositionalNames = ["header names", "key list"];
        AddTags(MessageValues.IndexTags);
    }

    public override void Validate(SieveValidationContext context, SieveNode node)
    {
        base.Validate(context, node);
        HeaderNames.Check(context, node, 0);
    }

    protected override IEnumerable<string> Values(SieveRuntime runtime, SieveTestNode test)
    {
        var (index, last) = IndexOf(test);
        var names = runtime.GetStrings(test.Args.Positional[0]);
        return names.Count == 1 ? MessageValues.Header(runtime, names[0], index, last) : names.SelectMany(name => MessageValues.Header(runtime, name, index, last));
    }
}

/// <summary><c>address [COMPARATOR] [ADDRESS-PART] [MATCH-TYPE] [:index n [:last]] header-list key-list</c>.</summary>
internal sealed class AddressTest : SieveMatchingTest
{
    public AddressTest()
        : base("address", null, SieveArgumentKind.StringList, SieveArgumentKind.StringList)
    {
        PositionalNames = ["header list", "key list"];
        AddTags(MessageValues.AddressPartTags);
        AddTags(MessageValues.IndexTags);
    }

    public override void Validate(SieveValidationContext context, SieveNode node)
    {
        base.Validate(context, node);
        HeaderNames.Check(context, node, 0);
    }

    protected override IEnumerable<string> Values(SieveRuntime runtime, SieveTestNode test)
    {
        var (index, last) = IndexOf(test);
        var part = test.Args.Group("address-part") ?? "all";
        var names = runtime.GetStrings(test.Args.Positional[0]);
        return names.Count == 1 ? MessageValues.Addresses(runtime, names[0], part, index, last) : names.SelectMany(name => MessageValues.Addresses(runtime, name, part, index, last));
    }
}

/// <summary><c>envelope [COMPARATOR] [ADDRESS-PART] [MATCH-TYPE] envelope-part key-list</c> (RFC 5228 5.4).</summary>
internal sealed class EnvelopeTest : SieveMatchingTest
{
    public EnvelopeTest()
        : base("envelope", "envelope", SieveArgumentKind.StringList, SieveArgumentKind.StringList)
    {
        PositionalNames = ["envelope part", "key list"];
        AddTags(MessageValues.AddressPartTags);
    }

    public override void Validate(SieveValidationContext context, SieveNode node)
    {
        base.Validate(context, node);
        if (node.Args.Positional is [SieveStringListArgument parts, ..])
        {
            foreach (var part in parts.Items.Where(p => !p.HasVariables))
            {
                if (part.Value.ToLowerInvariant() is not ("from" or "to" or "auth"))
                {
                    context.Error(part.Position, $"envelope: unknown envelope part '{part.Value}': expected \"from\", \"to\" or \"auth\"");
                }
            }
        }
    }

    protected override IEnumerable<string> Values(SieveRuntime runtime, SieveTestNode test)
    {
        var part = test.Args.Group("address-part") ?? "all";
        foreach (var name in runtime.GetStrings(test.Args.Positional[0]))
        {
            var lower = name.ToLowerInvariant();
            if (lower == "auth")
            {
                // The authenticated identity is a user name, not necessarily an address.
                if (runtime.Envelope.Auth is { } auth && (part == "all" ? auth : MessageValues.AddressPart(auth, part, runtime.Options.SubaddressSeparator)) is { } identity)
                {
                    yield return identity;
                }

                continue;
            }

            var address = lower switch
            {
                "from" => runtime.Envelope.From,
                "to" => runtime.Envelope.To,
                _ => null,
            };
            if (address is not null && MessageValues.EnvelopePart(address, part, runtime.Options.SubaddressSeparator) is { } value)
            {
                yield return value;
            }
        }
    }
}

/// <summary>Checks constant header names (RFC 5322 field-name: printable ASCII except ':').</summary>
public static class HeaderNames
{
    /// <summary>True when <paramref name="name"/> is a valid header field name.</summary>
    public static bool IsValid(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        foreach (var c in name)
        {
            if (c is <= ' ' or >= (char)127 or ':')
            {
                return false;
            }
        }

        return name.Length > 0;
    }

    /// <summary>Reports invalid constant header names in positional argument <paramref name="index"/>.</summary>
    public static void Check(SieveValidationContext context, SieveNode node, int index)
    {
        if (node.Args.Positional.Count <= index || node.Args.Positional[index] is not SieveStringListArgument names)
        {
            return;
        }

        foreach (var name in names.Items.Where(n => !n.HasVariables && !IsValid(n.Value)))
        {
            context.Warning(name.Position, $"the {node.Name} test: '{name.Value}' is not a valid header field name; it never matches");
        }
    }
}
