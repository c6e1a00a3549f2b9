using System.Text;
using MailMesh.Sieve.Interpretation;
using MailMesh.Sieve.Parsing;
using MailMesh.Sieve.Validation;

namespace MailMesh.Sieve.Extensions.Variables;

/// <summary><c>set [MODIFIER...] name value</c> (RFC 5229 section 4).</summary>
internal sealed class SetCommand : SieveCommandDefinition
{
    // Applied highest precedence first (RFC 5229 4.1).
    private static readonly string[] ModifierOrder = ["lower", "upper", "lowerfirst", "upperfirst", "quotewildcard", "quoteregex", "length"];

    public SetCommand()
        : base("set", "variables", SieveArgumentKind.String, SieveArgumentKind.String)
    {
        PositionalNames = ["name", "value"];
        AddTag(new SieveTagDefinition("lower", null, null, "case"));
        AddTag(new SieveTagDefinition("upper", null, null, "case"));
        AddTag(new SieveTagDefinition("lowerfirst", null, null, "firstcase"));
        AddTag(new SieveTagDefinition("upperfirst", null, null, "firstcase"));
        AddTag(new SieveTagDefinition("quotewildcard", null, null, "quote"));
        AddTag(new SieveTagDefinition("quoteregex", null, "regex", "quote"));
        AddTag(new SieveTagDefinition("length"));
    }

    public override void Validate(SieveValidationContext context, SieveNode node)
    {
        if (node.Args.Positional is [SieveStringListArgument { Items: [var name] }, ..])
        {
            if (name.HasVariables || !VariableNames.IsValidAssignable(name.Value))
            {
                context.Error(name.Position, $"set: invalid variable name '{name.Value}': expected letters, digits and '_' (not starting with a digit), optionally prefixed by 'global.'");
            }
        }
    }

    public override void Execute(SieveRuntime runtime, SieveCommandNode command)
    {
        var name = runtime.GetString(command.Args.Positional[0]);
        var value = runtime.GetString(command.Args.Positional[1]);
        foreach (var modifier in ModifierOrder)
        {
            if (command.Args.Has(modifier))
            {
                value = Apply(modifier, value);
            }
        }

        if (command.Args.Group("quote") is not null)
        {
            // Truncating a quoted value must not leave half an escape sequence at the end.
            var truncated = runtime.Truncate(value);
            if (truncated.Length < value.Length)
            {
                var backslashes = truncated.Length - truncated.TrimEnd('\\').Length;
                value = backslashes % 2 == 1 ? truncated[..^1] : truncated;
            }
        }

        runtime.SetVariable(name, value, command.Position);
    }

    internal static string Apply(string modifier, string value) => modifier switch
    {
        "lower" => value.ToLowerInvariant(),
        "upper" => value.ToUpperInvariant(),
        "lowerfirst" => value.Length == 0 ? value : char.ToLowerInvariant(value[0]) + value[1..],
        "upperfirst" => value.Length == 0 ? value : char.ToUpperInvariant(value[0]) + value[1..],
        "quotewildcard" => Quote(value, "*?\\"),
        "quoteregex" => Quote(value, "\\.+*?[](){}|^$"),
        "length" => value.EnumerateRunes().Count().ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => value,
    };

    private static string Quote(string value, string special)
    {
        var builder = new StringBuilder(value.Length + 8);
        foreach (var c in value)
        {
            if (special.Contains(c, StringComparison.Ordinal))
            {
                builder.Append('\\');
            }

            builder.Append(c);
        }

        return builder.ToString();
    }
}

/// <summary>Variable-name rules (RFC 5229 section 3).</summary>
public static class VariableNames
{
    /// <summary>True for identifier names, optionally "global." prefixed (RFC 6609).</summary>
    public static bool IsValidAssignable(string name)
    {
        var local = name.StartsWith("global.", StringComparison.OrdinalIgnoreCase) ? name[7..] : name;
        return local.Length > 0 && !char.IsAsciiDigit(local[0]) && local.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
    }
}
