using MailMesh.Sieve.Extensions.Core;
using MailMesh.Sieve.Interpretation;
using MailMesh.Sieve.Parsing;
using MailMesh.Sieve.Validation;

namespace MailMesh.Sieve.Extensions.Duplicate;

/// <summary>
/// <c>duplicate [:handle h] [:header name | :uniqueid id] [:seconds n] [:last]</c> (RFC 7352).
/// The id is recorded in the result and stored by the host after delivery.
/// </summary>
internal sealed class DuplicateTest : SieveTestDefinition
{
    public DuplicateTest()
        : base("duplicate", "duplicate")
    {
        AddTag(new SieveTagDefinition("handle", SieveArgumentKind.String));
        AddTag(new SieveTagDefinition("header", SieveArgumentKind.String, null, "id"));
        AddTag(new SieveTagDefinition("uniqueid", SieveArgumentKind.String, null, "id"));
        AddTag(new SieveTagDefinition("seconds", SieveArgumentKind.Number));
        AddTag(new SieveTagDefinition("last"));
    }

    public override void Validate(SieveValidationContext context, SieveNode node)
    {
        if (node.Args.Value("header") is SieveStringListArgument { Items: [{ HasVariables: false } name] } && !HeaderNames.IsValid(name.Value))
        {
            context.Error(name.Position, $"duplicate: '{name.Value}' is not a valid header field name");
        }
    }

    public override bool Evaluate(SieveRuntime runtime, SieveTestNode test)
    {
        string? id;
        if (test.Args.Value("uniqueid") is { } unique)
        {
            id = runtime.GetString(unique);
        }
        else
        {
            var header = test.Args.Value("header") is { } h ? runtime.GetString(h) : "message-id";
            id = MessageValues.Header(runtime, header).FirstOrDefault();
        }

        if (string.IsNullOrEmpty(id))
        {
            return false;
        }

        var handle = test.Args.Value("handle") is { } hv ? runtime.GetString(hv) : string.Empty;
        var key = $"{handle}\u0000{id}";
        var expiry = test.Args.Value("seconds") is SieveNumberArgument seconds
            ? TimeSpan.FromSeconds(Math.Min(seconds.Value, (long)runtime.Options.MaxDuplicatePeriod.TotalSeconds))
            : runtime.Options.DefaultDuplicatePeriod;
        var seen = runtime.Options.DuplicateTracker?.Contains(key, runtime.Now) ?? false;
        if (!seen || test.Args.Has("last"))
        {
            runtime.AddDuplicateRecord(new DuplicateRecord(key, expiry));
        }

        return seen;
    }
}

/// <summary>The duplicate extension (RFC 7352).</summary>
internal sealed class DuplicateExtension : ISieveExtension
{
    public void Register(SieveLanguage language)
    {
        language.AddCapability("duplicate");
        language.AddTest(new DuplicateTest());
    }
}
