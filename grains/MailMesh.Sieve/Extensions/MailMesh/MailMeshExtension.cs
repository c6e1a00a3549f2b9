using MailMesh.Sieve.Interpretation;
using MailMesh.Sieve.Parsing;
using MailMesh.Sieve.Validation;

namespace MailMesh.Sieve.Extensions.MailMesh;

/// <summary>
/// The <c>vnd.mailmesh</c> extension: shared-mailbox actions. None of them cancels implicit keep;
/// assign, priority and retain keep only their last value; tags and notifications accumulate.
/// </summary>
internal sealed class MailMeshExtension : ISieveExtension
{
    public const string Capability = "vnd.mailmesh";

    public void Register(SieveLanguage language)
    {
        language.AddCapability(Capability);
        language.AddCommand(new AssignCommand());
        language.AddCommand(new TagCommand());
        language.AddCommand(new PriorityCommand());
        language.AddCommand(new NotifyCommand());
        language.AddCommand(new RetainCommand());
        language.AddCommand(new ArchiveCommand());
    }

    private static void Replace<T>(SieveRuntime runtime, T action, SourcePosition position)
        where T : SieveAction
    {
        if (runtime.Actions.OfType<T>().Any(a => a == action))
        {
            return;
        }

        runtime.AddAction(action, position);
    }

    private sealed class AssignCommand : SieveCommandDefinition
    {
        public AssignCommand()
            : base("assign", Capability, SieveArgumentKind.String)
        {
        }

        public override void Validate(SieveValidationContext context, SieveNode node)
        {
            if (node.Args.Positional is [SieveStringListArgument { Items: [{ HasVariables: false, Value.Length: 0 } user] }])
            {
                context.Error(user.Position, "assign: the user name is empty");
            }
        }

        public override void Execute(SieveRuntime runtime, SieveCommandNode command)
        {
            var user = runtime.GetString(command.Args.Positional[0]).Trim();
            if (user.Length == 0)
            {
                throw runtime.Fail("assign: the user name is empty", command.Position);
            }

            Replace(runtime, new AssignAction(user), command.Position);
        }
    }

    private sealed class TagCommand : SieveCommandDefinition
    {
        public TagCommand()
            : base("tag", Capability, SieveArgumentKind.StringList)
        {
        }

        public override void Execute(SieveRuntime runtime, SieveCommandNode command)
        {
            foreach (var tag in runtime.GetStrings(command.Args.Positional[0]).Select(t => t.Trim()).Where(t => t.Length > 0))
            {
                Replace(runtime, new TagAction(tag), command.Position);
            }
        }
    }

    private sealed class PriorityCommand : SieveCommandDefinition
    {
        public PriorityCommand()
            : base("priority", Capability, SieveArgumentKind.String)
        {
        }

        public override void Validate(SieveValidationContext context, SieveNode node)
        {
            if (node.Args.Positional is [SieveStringListArgument { Items: [{ HasVariables: false } level] }] && Parse(level.Value) is null)
            {
                context.Error(level.Position, $"priority: unknown level '{level.Value}': expected \"high\", \"normal\" or \"low\"");
            }
        }

        public override void Execute(SieveRuntime runtime, SieveCommandNode command)
        {
            var text = runtime.GetString(command.Args.Positional[0]);
            var level = Parse(text) ?? throw runtime.Fail($"priority: unknown level '{text}': expected high, normal or low", command.Position);
            Replace(runtime, new PriorityAction(level), command.Position);
        }

        private static MailMeshPriority? Parse(string value) => value.Trim().ToLowerInvariant() switch
        {
            "high" => MailMeshPriority.High,
            "normal" => MailMeshPriority.Normal,
            "low" => MailMeshPriority.Low,
            _ => null,
        };
    }

    private sealed class NotifyCommand : SieveCommandDefinition
    {
        public NotifyCommand()
            : base("notify", Capability, SieveArgumentKind.String)
        {
            AddTag(new SieveTagDefinition("message", SieveArgumentKind.String));
        }

        public override void Execute(SieveRuntime runtime, SieveCommandNode command)
        {
            var message = command.Args.Value("message") is { } m ? runtime.GetString(m) : null;
            Replace(runtime, new NotifyAction(runtime.GetString(command.Args.Positional[0]), message), command.Position);
        }
    }

    private sealed class RetainCommand : SieveCommandDefinition
    {
        public RetainCommand()
            : base("retain", Capability)
        {
            AddTag(new SieveTagDefinition("days", SieveArgumentKind.Number));
        }

        public override void Validate(SieveValidationContext context, SieveNode node)
        {
            if (node.Args.Value("days") is not SieveNumberArgument days)
            {
                context.Error(node.Position, "retain requires :days N");
            }
            else if (days.Value is < 1 or > 36500)
            {
                context.Error(days.Position, $"retain: :days must be between 1 and 36500, not {days.Value}");
            }
        }

        public override void Execute(SieveRuntime runtime, SieveCommandNode command)
        {
            var days = (int)SieveRuntime.GetNumber(command.Args.Value("days")!);
            Replace(runtime, new RetainAction(days), command.Position);
        }
    }

    private sealed class ArchiveCommand : SieveCommandDefinition
    {
        public ArchiveCommand()
            : base("archive", Capability)
        {
        }

        public override void Execute(SieveRuntime runtime, SieveCommandNode command) =>
            Replace(runtime, new ArchiveAction(), command.Position);
    }
}
