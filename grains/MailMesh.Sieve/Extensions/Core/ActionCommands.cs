using MailMesh.Sieve.Interpretation;
using MailMesh.Sieve.Parsing;
using MailMesh.Sieve.Validation;

namespace MailMesh.Sieve.Extensions.Core;

/// <summary>Flags for keep/fileinto: the :flags tag, or the imap4flags internal variable.</summary>
internal static class ActionFlags
{
    public static IReadOnlyList<string> For(SieveRuntime runtime, SieveCommandNode command)
    {
        if (command.Args.Value("flags") is { } flags)
        {
            return Extensions.Imap4Flags.FlagList.Normalize(runtime.GetStrings(flags));
        }

        return runtime.IsRequired("imap4flags") ? [.. runtime.InternalFlags] : [];
    }
}

/// <summary><c>keep</c> (RFC 5228 4.3).</summary>
internal sealed class KeepCommand : SieveCommandDefinition
{
    public KeepCommand()
        : base("keep", null)
    {
    }

    public override void Execute(SieveRuntime runtime, SieveCommandNode command)
    {
        runtime.AddAction(new KeepAction(ActionFlags.For(runtime, command)), command.Position);
        runtime.CancelImplicitKeep();
    }
}

/// <summary><c>discard</c> (RFC 5228 4.4).</summary>
internal sealed class DiscardCommand : SieveCommandDefinition
{
    public DiscardCommand()
        : base("discard", null)
    {
    }

    public override void Execute(SieveRuntime runtime, SieveCommandNode command)
    {
        runtime.CancelImplicitKeep();
        if (!runtime.Actions.OfType<DiscardAction>().Any())
        {
            runtime.AddAction(new DiscardAction(), command.Position);
        }
    }
}

/// <summary><c>redirect [:copy] address</c> (RFC 5228 4.2, RFC 3894).</summary>
internal sealed class RedirectCommand : SieveCommandDefinition
{
    public RedirectCommand()
        : base("redirect", null, SieveArgumentKind.String)
    {
        PositionalNames = ["address"];
    }

    public override void Validate(SieveValidationContext context, SieveNode node)
    {
        if (node.Args.Positional is [SieveStringListArgument { Items: [{ HasVariables: false } address] }] && !MessageValues.IsValidAddress(address.Value))
        {
            context.Error(address.Position, $"redirect: '{address.Value}' is not a valid address: expected local-part@domain");
        }
    }

    public override void Execute(SieveRuntime runtime, SieveCommandNode command)
    {
        var address = runtime.GetString(command.Args.Positional[0]).Trim();
        if (!MessageValues.IsValidAddress(address))
        {
            throw runtime.Fail($"redirect: '{address}' is not a valid address", command.Position);
        }

        var copy = command.Args.Has("copy");
        runtime.AddAction(new RedirectAction(MessageValues.FirstAddress(address) ?? address, copy), command.Position);
        if (!copy)
        {
            runtime.CancelImplicitKeep();
        }
    }
}

/// <summary><c>fileinto [:copy] [:create] [:flags list] mailbox</c> (RFC 5228 4.1, 3894, 5490, 5232).</summary>
internal sealed class FileIntoCommand : SieveCommandDefinition
{
    public FileIntoCommand()
        : base("fileinto", "fileinto", SieveArgumentKind.String)
    {
        PositionalNames = ["mailbox"];
    }

    public override void Validate(SieveValidationContext context, SieveNode node)
    {
        if (node.Args.Positional is [SieveStringListArgument { Items: [{ HasVariables: false } mailbox] }])
        {
            var problem = MailboxNames.Check(mailbox.Value);
            if (problem is not null)
            {
                context.Error(mailbox.Position, $"fileinto: invalid mailbox name '{mailbox.Value}': {problem}");
            }
        }
    }

    public override void Execute(SieveRuntime runtime, SieveCommandNode command)
    {
        var mailbox = runtime.GetString(command.Args.Positional[0]);
        var problem = MailboxNames.Check(mailbox);
        if (problem is not null)
        {
            throw runtime.Fail($"fileinto: invalid mailbox name '{mailbox}': {problem}", command.Position);
        }

        var copy = command.Args.Has("copy");
        runtime.AddAction(new FileIntoAction(mailbox, ActionFlags.For(runtime, command), copy, command.Args.Has("create")), command.Position);
        if (!copy)
        {
            runtime.CancelImplicitKeep();
        }
    }
}

/// <summary>Mailbox name checks shared by fileinto and mailboxexists.</summary>
public static class MailboxNames
{
    /// <summary>Why <paramref name="name"/> is not a usable mailbox name, or null when it is.</summary>
    public static string? Check(string name)
    {
        if (name.Length == 0)
        {
            return "the name is empty";
        }

        foreach (var c in name)
        {
            if (char.IsControl(c))
            {
                return "it contains a control character";
            }
        }

        return name.Any(char.IsSurrogate) && !name.EnumerateRunes().Any() ? "it is not valid UTF-8" : null;
    }
}
