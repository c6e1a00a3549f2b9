using System.Text;
using MailMesh.Sieve.Extensions.Core;
using MailMesh.Sieve.Interpretation;
using MailMesh.Sieve.Matching;
using MailMesh.Sieve.Parsing;
using MailMesh.Sieve.Validation;

namespace MailMesh.Sieve.Extensions.EditHeader;

/// <summary><c>addheader [:last] field-name value</c> (RFC 5293 section 4).</summary>
internal sealed class AddHeaderCommand : SieveCommandDefinition
{
    public AddHeaderCommand()
        : base("addheader", "editheader", SieveArgumentKind.String, SieveArgumentKind.String)
    {
        PositionalNames = ["field name", "value"];
        AddTag(new SieveTagDefinition("last"));
    }

    public override void Validate(SieveValidationContext context, SieveNode node)
    {
        if (node.Args.Positional is [SieveStringListArgument { Items: [{ HasVariables: false } name] }, ..] && !HeaderNames.IsValid(name.Value))
        {
            context.Error(name.Position, $"addheader: the field name '{name.Value}' is invalid: expected printable ASCII without ':' or spaces");
        }

        if (node.Args.Positional is [_, SieveStringListArgument { Items: [{ HasVariables: false } value] }] && !EditHeaderRules.IsValidValue(value.Value))
        {
            context.Error(value.Position, $"addheader: the value '{value.Value}' is invalid: it contains a NUL character");
        }
    }

    public override void Execute(SieveRuntime runtime, SieveCommandNode command)
    {
        var name = runtime.GetString(command.Args.Positional[0]);
        var value = runtime.GetString(command.Args.Positional[1]);
        if (!HeaderNames.IsValid(name))
        {
            throw runtime.Fail($"addheader: the field name '{name}' is invalid: expected printable ASCII without ':' or spaces", command.Position);
        }

        if (!EditHeaderRules.IsValidValue(value))
        {
            throw runtime.Fail($"addheader: the value '{value}' is invalid: it contains a NUL character", command.Position);
        }

        if (EditHeaderRules.IsProtected(runtime, name))
        {
            runtime.Log($"addheader: the {name} header is protected and was not added");
            return;
        }

        runtime.Headers.Add(name, EditHeaderRules.EncodeValue(value), command.Args.Has("last"));
    }
}

/// <summary><c>deleteheader [:index n [:last]] [COMPARATOR] [MATCH-TYPE] field-name [value-patterns]</c> (RFC 5293 section 5).</summary>
internal sealed class DeleteHeaderCommand : SieveCommandDefinition
{
    public DeleteHeaderCommand()
        : base("deleteheader", "editheader", SieveArgumentKind.String, SieveArgumentKind.StringList)
    {
        PositionalNames = ["field name", "value patterns"];
        MinPositional = 1;
        OptionalPositionalsTrailing = true;
        AddTags(SieveMatcher.Tags);
        AddTag(new SieveTagDefinition("index", SieveArgumentKind.Number));
        AddTag(new SieveTagDefinition("last"));
    }

    public override void Validate(SieveValidationContext context, SieveNode node)
    {
        var patterns = node.Args.Positional.Count > 1 ? node.Args.Positional[1] : null;
        node.Annotation = SieveMatcher.Create(context, node, patterns);
        if (node.Args.Positional is [SieveStringListArgument { Items: [{ HasVariables: false } name] }, ..] && !HeaderNames.IsValid(name.Value))
        {
            context.Error(name.Position, $"deleteheader: the field name '{name.Value}' is invalid: expected printable ASCII without ':' or spaces");
        }

        if (node.Args.Has("last") && !node.Args.Has("index"))
        {
            context.Error(node.Position, "deleteheader has :last without :index");
        }

        if (patterns is null && node.Args.Group("match-type") is not null)
        {
            context.Warning(node.Position, "deleteheader: the match type has no effect without value patterns after the field name; every such field is deleted");
        }
    }

    public override void Execute(SieveRuntime runtime, SieveCommandNode command)
    {
        var name = runtime.GetString(command.Args.Positional[0]);
        if (EditHeaderRules.IsProtected(runtime, name))
        {
            runtime.Log($"deleteheader: the {name} header is protected and was not deleted");
            return;
        }

        var matcher = (SieveMatcher)command.Annotation!;
        var patterns = command.Args.Positional.Count > 1 ? runtime.GetStrings(command.Args.Positional[1]) : null;
        int? index = command.Args.Value("index") is SieveNumberArgument n ? (int)Math.Min(n.Value, int.MaxValue) : null;
        runtime.Headers.Delete(name, index, command.Args.Has("last"), raw =>
        {
            if (patterns is null)
            {
                return true;
            }

            var value = Internal.MimeWords.Decode(raw).Trim();
            return patterns.Any(p => matcher.MatchOne(runtime, value, p));
        });
    }
}

/// <summary>Protected headers and value encoding for editheader.</summary>
internal static class EditHeaderRules
{
    public static bool IsValidValue(string value) => !value.Contains('\0', StringComparison.Ordinal);

    public static bool IsProtected(SieveRuntime runtime, string name) =>
        runtime.Options.ProtectedHeaders.Contains(name, StringComparer.OrdinalIgnoreCase) || name.Equals("received", StringComparison.OrdinalIgnoreCase);

    // Non-ASCII values become an RFC 2047 encoded word; line breaks are removed (the view holds unfolded values).
    public static string EncodeValue(string value)
    {
        var flat = value.Replace("\r", string.Empty, StringComparison.Ordinal).Replace("\n", string.Empty, StringComparison.Ordinal);
        return flat.All(c => c < 128) ? flat : $"=?utf-8?b?{Convert.ToBase64String(Encoding.UTF8.GetBytes(flat))}?=";
    }
}

/// <summary>The editheader extension (RFC 5293).</summary>
internal sealed class EditHeaderExtension : ISieveExtension
{
    public void Register(SieveLanguage language)
    {
        language.AddCapability("editheader");
        language.AddCommand(new AddHeaderCommand());
        language.AddCommand(new DeleteHeaderCommand());
    }
}
