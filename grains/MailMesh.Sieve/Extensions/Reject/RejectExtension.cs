using MailMesh.Sieve.Interpretation;
using MailMesh.Sieve.Parsing;
using MailMesh.Sieve.Validation;

namespace MailMesh.Sieve.Extensions.Reject;

/// <summary><c>reject reason</c> and <c>ereject reason</c> (RFC 5429).</summary>
internal sealed class RejectCommand : SieveCommandDefinition
{
    public RejectCommand(string name)
        : base(name, name, SieveArgumentKind.String)
    {
        PositionalNames = ["reason"];
    }

    public override void Execute(SieveRuntime runtime, SieveCommandNode command)
    {
        runtime.AddAction(new RejectAction(runtime.GetString(command.Args.Positional[0]), Name == "ereject"), command.Position);
        runtime.CancelImplicitKeep();
    }
}

/// <summary>The reject and ereject extensions (RFC 5429).</summary>
internal sealed class RejectExtension : ISieveExtension
{
    public void Register(SieveLanguage language)
    {
        language.AddCapability("reject");
        language.AddCapability("ereject");
        language.AddCommand(new RejectCommand("reject"));
        language.AddCommand(new RejectCommand("ereject"));
    }
}
