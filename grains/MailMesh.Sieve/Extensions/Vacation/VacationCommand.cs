using System.Security.Cryptography;
using System.Text;
using MailMesh.Sieve.Extensions.Core;
using MailMesh.Sieve.Interpretation;
using MailMesh.Sieve.Parsing;
using MailMesh.Sieve.Validation;

namespace MailMesh.Sieve.Extensions.Vacation;

/// <summary>
/// <c>vacation [:days n | :seconds n] [:subject s] [:from s] [:addresses list] [:mime] [:handle h] reason</c>
/// (RFC 5230, RFC 6131). Decides whether a reply is due (RFC 3834 rules, the per-sender memory)
/// and only then adds a <see cref="VacationAction"/>.
/// </summary>
internal sealed class VacationCommand : SieveCommandDefinition
{
    public VacationCommand()
        : base("vacation", "vacation", SieveArgumentKind.String)
    {
        PositionalNames = ["reason"];
        AddTag(new SieveTagDefinition("days", SieveArgumentKind.Number, null, "period"));
        AddTag(new SieveTagDefinition("seconds", SieveArgumentKind.Number, "vacation-seconds", "period"));
        AddTag(new SieveTagDefinition("subject", SieveArgumentKind.String));
        AddTag(new SieveTagDefinition("from", SieveArgumentKind.String));
        AddTag(new SieveTagDefinition("addresses", SieveArgumentKind.StringList));
        AddTag(new SieveTagDefinition("mime"));
        AddTag(new SieveTagDefinition("handle", SieveArgumentKind.String));
    }

    public override void Validate(SieveValidationContext context, SieveNode node)
    {
        if (node.Args.Value("from") is SieveStringListArgument { Items: [{ HasVariables: false } from] } && !MessageValues.IsValidAddress(from.Value))
        {
            context.Error(from.Position, $"vacation: the :from address '{from.Value}' is not a valid address");
        }

        if (node.Args.Value("addresses") is SieveStringListArgument addresses)
        {
            foreach (var address in addresses.Items.Where(a => !a.HasVariables && !MessageValues.IsValidAddress(a.Value)))
            {
                context.Error(address.Position, $"vacation: the :addresses entry '{address.Value}' is not a valid address");
            }
        }
    }

    public override void Execute(SieveRuntime runtime, SieveCommandNode command)
    {
        var args = command.Args;
        var reason = runtime.GetString(args.Positional[0]);
        var subject = args.Value("subject") is { } s ? runtime.GetString(s) : null;
        var from = args.Value("from") is { } f ? runtime.GetString(f) : null;
        var mime = args.Has("mime");
        var handle = args.Value("handle") is { } h ? runtime.GetString(h) : DefaultHandle(reason, subject, from, mime);
        var period = Period(runtime, command);
        var ownAddresses = runtime.Options.UserAddresses
            .Concat(args.Value("addresses") is { } a ? runtime.GetStrings(a) : [])
            .Concat(MessageValues.EnvelopeAddress(runtime.Envelope.To) is { } to ? [to] : [])
            .ToList();

        var sender = runtime.Envelope.From is { } from0 ? MessageValues.EnvelopeAddress(from0) : MessageValues.Header(runtime, "return-path").Select(MessageValues.FirstAddress).FirstOrDefault();
        var refusal = VacationRules.WhyNotReply(runtime, sender, ownAddresses, out var userAddress);
        if (refusal is null && runtime.Options.VacationTracker?.HasReplied(handle, sender!, runtime.Now) == true)
        {
            refusal = $"{sender} already got this reply within the last {period}";
        }

        if (refusal is not null)
        {
            runtime.Log("vacation: not replying: " + refusal);
            return;
        }

        var originalSubject = MessageValues.Header(runtime, "subject").FirstOrDefault() ?? string.Empty;
        var messageId = MessageValues.Header(runtime, "message-id").FirstOrDefault();
        runtime.AddAction(new VacationAction(sender!, reason, subject ?? "Auto: " + originalSubject, from, mime, handle, period, messageId) { UserAddress = userAddress }, command.Position);
        runtime.AddVacationRecord(new VacationRecord(handle, sender!, period));
    }

    private static TimeSpan Period(SieveRuntime runtime, SieveCommandNode command)
    {
        var options = runtime.Options;
        TimeSpan period;
        if (command.Args.Value("seconds") is SieveNumberArgument seconds)
        {
            period = TimeSpan.FromSeconds(Math.Min(seconds.Value, (long)options.MaxVacationPeriod.TotalSeconds));
            return period;
        }

        period = command.Args.Value("days") is SieveNumberArgument days
            ? TimeSpan.FromDays(Math.Min(days.Value, (long)options.MaxVacationPeriod.TotalDays))
            : options.DefaultVacationPeriod;
        return period < options.MinVacationPeriod ? options.MinVacationPeriod : period;
    }

    private static string DefaultHandle(string reason, string? subject, string? from, bool mime)
    {
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes($"{reason}\u0000{subject}\u0000{from}\u0000{mime}"));
        return Convert.ToHexStringLower(bytes.AsSpan(0, 16));
    }
}

/// <summary>The vacation and vacation-seconds extensions (RFC 5230, RFC 6131).</summary>
internal sealed class VacationExtension : ISieveExtension
{
    public void Register(SieveLanguage language)
    {
        language.AddCapability("vacation");
        language.AddCapability("vacation-seconds");
        language.AddCommand(new VacationCommand());
    }
}
