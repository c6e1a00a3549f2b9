using MailMesh.Sieve.Interpretation;
using MailMesh.Sieve.Parsing;
using MailMesh.Sieve.Validation;

namespace MailMesh.Sieve.Extensions.Include;

/// <summary><c>include [:personal | :global] [:once] [:optional] script-name</c> (RFC 6609 section 3.2).</summary>
internal sealed class IncludeCommand : SieveCommandDefinition
{
    public IncludeCommand()
        : base("include", "include", SieveArgumentKind.String)
    {
        PositionalNames = ["script name"];
        AddTag(new SieveTagDefinition("personal", null, null, "location"));
        AddTag(new SieveTagDefinition("global", null, null, "location"));
        AddTag(new SieveTagDefinition("once"));
        AddTag(new SieveTagDefinition("optional"));
    }

    public override void Validate(SieveValidationContext context, SieveNode node)
    {
        if (node.Args.Positional is [SieveStringListArgument { Items: [var name] }])
        {
            if (name.HasVariables)
            {
                context.Error(name.Position, "include: the script name must be a constant string (variables are not allowed)");
            }
            else if (name.Value.Length == 0 || name.Value.Contains('/', StringComparison.Ordinal) || name.Value.Any(char.IsControl))
            {
                context.Error(name.Position, $"include: invalid script name '{name.Value}': it must be non-empty without '/' or control characters");
            }
        }
    }

    public override void Execute(SieveRuntime runtime, SieveCommandNode command)
    {
        var name = runtime.GetString(command.Args.Positional[0]);
        var location = command.Args.Has("global") ? SieveScriptLocation.Global : SieveScriptLocation.Personal;
        runtime.Include(name, location, command.Args.Has("once"), command.Args.Has("optional"), command.Position);
    }
}

/// <summary><c>return</c>: ends the current (included) script.</summary>
internal sealed class ReturnCommand : SieveCommandDefinition
{
    public ReturnCommand()
        : base("return", "include")
    {
    }

    public override void Execute(SieveRuntime runtime, SieveCommandNode command) => runtime.Return();
}

/// <summary><c>global variable-names</c>: shares variables between included scripts (RFC 6609 section 3.3).</summary>
internal sealed class GlobalCommand : SieveCommandDefinition
{
    public GlobalCommand()
        : base("global", "include", SieveArgumentKind.StringList)
    {
        PositionalNames = ["variable names"];
    }

    public override void Validate(SieveValidationContext context, SieveNode node)
    {
        if (!context.IsRequired("variables"))
        {
            context.Error(node.Position, "global requires the 'variables' extension as well as 'include': add require \"variables\";");
        }

        if (node.Args.Positional is [SieveStringListArgument names])
        {
            foreach (var name in names.Items.Where(n => n.HasVariables || !Variables.VariableNames.IsValidAssignable(n.Value) || n.Value.Contains('.', StringComparison.Ordinal)))
            {
                context.Error(name.Position, $"global: invalid variable name '{name.Value}'");
            }
        }
    }

    public override void Execute(SieveRuntime runtime, SieveCommandNode command)
    {
        foreach (var name in runtime.GetStrings(command.Args.Positional[0]))
        {
            runtime.DeclareGlobal(name);
        }
    }
}

/// <summary>The include extension (RFC 6609).</summary>
internal sealed class IncludeExtension : ISieveExtension
{
    public void Register(SieveLanguage language)
    {
        language.AddCapability("include");
        language.AddCommand(new IncludeCommand());
        language.AddCommand(new ReturnCommand());
        language.AddCommand(new GlobalCommand());
    }
}
