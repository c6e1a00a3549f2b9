using System.Text.Json;
using MailMesh.Audience.Contacts;
using MailMesh.Audience.ReadModel;
using MailMesh.Grains.Contacts;
using MailMesh.Runtime;
using MailMesh.Runtime.Storage;

namespace MailMesh.Audience.Import;

/// <summary>One contact of an import step, after the step's rows were merged.</summary>
/// <param name="Address">Normalized address.</param>
/// <param name="Change">The merged change.</param>
/// <param name="Rows">The rows merged into it, in file order.</param>
internal sealed record StepContact(string Address, ContactChange Change, List<MappedRow> Rows);

/// <summary>What became of one <see cref="StepContact"/>.</summary>
/// <param name="Contact">The contact.</param>
/// <param name="Result">The upsert result, or null when refused.</param>
/// <param name="Error">Why it was refused.</param>
internal sealed record StepOutcome(StepContact Contact, ContactUpsertResult? Result, string? Error);

/// <summary>Creates the new contacts of an import step in bulk (docs/adr/audience-04-bulk-import.md): their states are
/// read in one query, built with the same rules as the contact grain (<see cref="ContactEditor"/>), written with their
/// <c>contact.created</c> events in one storage transaction (each ETag-checked as "no row", so a contact created
/// meanwhile makes the whole write fail and go through the grains), then upserted into the read model together.</summary>
internal sealed class ContactBulkWriter(IGrainStorageBatch storage, IContactReadModel readModel, JsonSerializerOptions json)
{
    private readonly Func<ContactState, byte[]> _serialize = ContactStateJson.For(json);

    /// <summary>Writes the contacts of <paramref name="contacts"/> that do not exist yet; returns their outcomes and the
    /// contacts left for the grains (those that exist, or all of them when the write met a concurrent one).</summary>
    public async Task<(List<StepOutcome> Done, List<StepContact> ForGrains)> CreateNewAsync(
        string tenant, IReadOnlyList<StepContact> contacts, AttributeSchema schema, DateTimeOffset now)
    {
        var done = new List<StepOutcome>(contacts.Count);
        var forGrains = new List<StepContact>();
        if (contacts.Count == 0)
        {
            return (done, forGrains);
        }

        var ids = contacts.Select(c => new GrainId(ContactGrain.GrainType, tenant + "/" + c.Address)).ToArray();
        var stored = await storage.ReadManyAsync(ContactGrain.StateName, ids);
        var writes = new List<StateWrite>(contacts.Count);
        var created = new List<(StepContact Contact, ContactInfo Info)>(contacts.Count);
        for (var i = 0; i < contacts.Count; i++)
        {
            var contact = contacts[i];
            if (stored[i] is not null)
            {
                forGrains.Add(contact);
                continue;
            }

            var check = ContactAddress.Check(contact.Address);
            if (check.Normalized != contact.Address)
            {
                forGrains.Add(contact); // the grain gives the precise error
                continue;
            }

            var state = ContactEditor.New(check, now);
            state.Attributes.EnsureCapacity(contact.Change.Attributes?.Count ?? 0);
            try
            {
                ContactEditor.Validate(state, contact.Change, schema);
            }
            catch (ArgumentException e)
            {
                done.Add(new StepOutcome(contact, null, e.Message));
                continue;
            }

            var changed = ContactEditor.Apply(state, contact.Change);
            state.Version = 1;
            state.UpdatedAt = now;
            var payload = JsonSerializer.Serialize(new { address = contact.Address, changed, source = contact.Change.Source }, json);
            var created1 = new EventDraft(Guid.CreateVersion7(now), tenant, "contact.created", ids[i].Key, now, payload);
            writes.Add(new StateWrite(ContactGrain.StateName, ids[i], _serialize(state), null, [created1]));
            created.Add((contact, ContactEditor.InfoOfFinal(tenant, contact.Address, state)));
        }

        if (writes.Count == 0)
        {
            return (done, forGrains);
        }

        // In key order: the new keys fall into the state's and the events' key indexes (and the read model's address
        // index) one after the other instead of jumping across them, so each page is found in the cache once and changed by
        // every insert that lands on it in turn (docs/adr/audience-06-import-write-amplification.md).
        writes.Sort(static (a, b) => string.CompareOrdinal(a.Grain.Key, b.Grain.Key));
        try
        {
            await storage.WriteManyAsync(writes);
        }
        catch (InconsistentStateException)
        {
            // A contact of the step was created meanwhile (by a call or another import): nothing was written; the grains,
            // which merge into what is stored, take the whole step.
            forGrains.AddRange(created.Select(c => c.Contact));
            return (done, forGrains);
        }

        // Rows are version-fenced, so a step repeated after a crash rewrites them harmlessly (the grains' activation
        // repair covers a crash between the two writes for contacts the repeated step finds existing).
        var rows = created.ConvertAll(c => c.Info);
        rows.Sort(static (a, b) => string.CompareOrdinal(a.Address, b.Address));
        await readModel.UpsertManyAsync(rows);
        done.AddRange(created.Select(c => new StepOutcome(c.Contact, new ContactUpsertResult(c.Info, Created: true, Changed: true), null)));
        return (done, forGrains);
    }
}
