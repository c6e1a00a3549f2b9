using MailMesh.Grains.Contacts;
using MailMesh.Runtime;

namespace MailMesh.Audience.Contacts;

/// <summary>A tenant's attribute schema: the standard attributes plus the tenant's own (types never change once defined,
/// so values already stored stay valid).</summary>
public sealed class ContactSchemaGrain([PersistentState("schema")] IPersistentState<ContactSchemaState> state) : Grain, IContactSchemaGrain
{
    /// <summary>Most attributes a tenant may define besides the standard ones.</summary>
    public const int MaxCustomAttributes = 200;

    private AttributeSchema? _schema;

    /// <summary>The schema grain's key for <paramref name="tenant"/>.</summary>
    public static string KeyFor(string tenant) => tenant + "/contact-schema";

    /// <inheritdoc />
    public Task<AttributeSchema> Get() => Task.FromResult(_schema ??= Build());

    /// <inheritdoc />
    public async Task<AttributeSchema> Define(AttributeDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        if (AttributeParsing.AttributeNameProblem(definition.Name) is { } problem)
        {
            throw new ArgumentException(problem + ".", nameof(AttributeDefinition.Name));
        }

        if (!Enum.IsDefined(definition.Type))
        {
            throw new ArgumentException($"type {(int)definition.Type} is not an attribute type; use string, number, date, bool or list.", nameof(AttributeDefinition.Type));
        }

        if (definition.Description is { Length: > 500 })
        {
            throw new ArgumentException("the description is longer than 500 characters.", nameof(AttributeDefinition.Description));
        }

        var existing = (await Get()).Find(definition.Name);
        if (existing is not null && existing.Type != definition.Type)
        {
            throw new ArgumentException(
                $"attribute '{definition.Name}' is already defined as {existing.Type.ToString().ToLowerInvariant()}; its type cannot change to {definition.Type.ToString().ToLowerInvariant()}.",
                nameof(AttributeDefinition.Type));
        }

        if (existing is { BuiltIn: true })
        {
            return _schema!;
        }

        var custom = state.State.Attributes;
        var index = custom.FindIndex(a => a.Name == definition.Name);
        if (index < 0 && custom.Count >= MaxCustomAttributes)
        {
            throw new ArgumentException($"the tenant has {custom.Count} attributes of its own; at most {MaxCustomAttributes} are allowed.", nameof(AttributeDefinition.Name));
        }

        var stored = definition with { BuiltIn = false };
        if (index >= 0)
        {
            custom[index] = stored;
        }
        else
        {
            custom.Add(stored);
        }

        state.State.Version++;
        RaiseEvent("contact.schema_changed", GrainKey, new { attribute = stored.Name, type = stored.Type.ToString().ToLowerInvariant(), version = state.State.Version });
        await state.WriteStateAsync();
        _schema = Build();
        return _schema;
    }

    private AttributeSchema Build() => new([.. StandardAttributes.All, .. state.State.Attributes], state.State.Version);
}

/// <summary>What a schema grain persists: the tenant's own attributes.</summary>
public sealed class ContactSchemaState
{
    /// <summary>The tenant's attributes, in the order defined.</summary>
    public List<AttributeDefinition> Attributes { get; set; } = [];

    /// <summary>Grows with every change.</summary>
    public long Version { get; set; }
}
