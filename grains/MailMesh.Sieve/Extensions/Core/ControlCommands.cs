using MailMesh.Sieve.Interpretation;
using MailMesh.Sieve.Parsing;
using MailMesh.Sieve.Validation;

namespace MailMesh.Sieve.Extensions.Core;

/// <summary><c>require</c>: handled by the validator; nothing to do at run time.</summary>
internal sealed class RequireCommand : SieveCommandDefinition
{
    public RequireCommand()
        : base("require", null, SieveArgumentKind.StringList)
    {
        PositionalNames = ["capabilities"];
    }

    public override void Execute(SieveRuntime runtime, SieveCommandNode command)
    {
    }
}

/// <summary><c>if</c>, <c>elsif</c>, <c>else</c>: the interpreter runs the chain itself.</summary>
internal sealed class ConditionalCommand : SieveCommandDefinition
{
    public ConditionalCommand(string name)
        : base(name, null)
    {
        RequiresBlock = true;
        TestRule = name == "else" ? SieveTestRule.None : SieveTestRule.One;
    }

    public override void Execute(SieveRuntime runtime, SieveCommandNode command) =>
        throw runtime.Fail($"'{command.Name}' reached outside an if chain", command.Position);
}

/// <summary><c>stop</c>: ends the whole execution.</summary>
internal sealed class StopCommand : SieveCommandDefinition
{
    public StopCommand()
        : base("stop", null)
    {
    }

    public override void Execute(SieveRuntime runtime, SieveCommandNode command) => runtime.Stop();
}
