using System.Globalization;
using System.Text.Json;
using MailMesh.Grains.Contacts;
using MailMesh.Runtime.Storage;

namespace MailMesh.Audience.Contacts;

public sealed partial class ContactGrain
{
    private const int ExportEventBatch = 1000;

    /// <summary>Most events an export includes (the oldest first).</summary>
    public const int MaxExportedEvents = 100_000;

    /// <inheritdoc />
    public async Task<ContactExport> Export(string actor)
    {
        CheckActor(actor);
        CheckKey();
        await RefreshIfMissingAsync();
        var contact = state.RecordExists ? Info() : null;
        var found = new List<ExportedEvent>();
        var filter = new EventFilter(GrainId.Tenant, null, GrainKey);
        for (long from = 1; found.Count < MaxExportedEvents;)
        {
            var batch = await events.ReadAsync(from, ExportEventBatch, filter);
            found.AddRange(batch.Select(e => new ExportedEvent(e.Sequence, e.Type, e.Time, e.PayloadJson)));
            if (batch.Count < ExportEventBatch)
            {
                break;
            }

            from = batch[^1].Sequence + 1;
        }

        var issues = new List<ExportedImportIssue>();
        foreach (var import in ImportIds())
        {
            try
            {
                var about = await GrainFactory.GetGrain<IContactImportGrain>(GrainId.Tenant + "/" + import).IssuesAbout(Address);
                issues.AddRange(about.Select(i => new ExportedImportIssue(import, i)));
            }
            catch (ImportNotFoundException)
            {
                // The import named in the ledger is gone: nothing of it is held.
            }
        }

        await Privacy().RecordExport(actor, hasher.Hash(GrainId.Tenant, Address));
        return new ContactExport(GrainId.Tenant, Address, contact, found, issues, TimeProvider.GetUtcNow());
    }

    /// <inheritdoc />
    public async Task<ContactErasure> Erase(string actor)
    {
        CheckActor(actor);
        CheckKey();
        if (redaction is null)
        {
            throw new NotSupportedException(
                "this silo's event log cannot tombstone events, so an erasure would leave the address in event payloads; nothing was erased.");
        }

        await RefreshIfMissingAsync();
        var tenant = GrainId.Tenant;
        var hash = hasher.Hash(tenant, Address);
        var existed = state.RecordExists;
        var display = existed ? state.State.DisplayAddress : Address;
        var imports = ImportIds();

        // The block goes first: whatever happens after it, the address can no longer be created, imported or mailed, and
        // repeating the erasure finishes the rest.
        await Privacy().RecordErasure(actor, hash, new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["contact_existed"] = existed ? "true" : "false",
            ["imports"] = imports.Count.ToString(CultureInfo.InvariantCulture),
        });

        var redacted = 0;
        foreach (var import in imports)
        {
            try
            {
                redacted += await GrainFactory.GetGrain<IContactImportGrain>(tenant + "/" + import).RedactAddress(Address) > 0 ? 1 : 0;
            }
            catch (ImportNotFoundException)
            {
                // Nothing held there.
            }
        }

        await readModel.DeleteAsync(tenant, Address);
        var tombstone = ErasedSubject(tenant, hash);
        RaiseEvent("contact.erased", tombstone, new { addressHash = hash, contactExisted = existed });
        await state.ClearStateAsync();
        // Whole JSON string values only: "bob@example.com" must not tombstone the events of jimbob@example.com.
        var needles = new HashSet<string>(StringComparer.Ordinal) { Quoted(Address), Quoted(display) };
        var tombstoned = await redaction.RedactAsync(
            tenant, GrainKey, [.. needles], tombstone, JsonSerializer.Serialize(new { tombstoned = true, reason = "contact.erased", addressHash = hash }));
        DeactivateOnIdle();
        return new ContactErasure(hash, existed, tombstoned, redacted, TimeProvider.GetUtcNow());
    }

    /// <summary>The subject that replaces an erased contact's key in its tombstoned events.</summary>
    public static string ErasedSubject(string tenant, string hash) => $"{tenant}/erased/{hash}";

    /// <summary>The imports that touched the contact, from the ids of their consent entries (<c>import:&lt;id&gt;:&lt;row&gt;</c>).</summary>
    private List<string> ImportIds() => !state.RecordExists
        ? []
        : state.State.Consent.Select(c => c.Id)
            .Where(id => id.StartsWith("import:", StringComparison.Ordinal) && id.LastIndexOf(':') > "import:".Length)
            .Select(id => id["import:".Length..id.LastIndexOf(':')])
            .Distinct(StringComparer.Ordinal)
            .ToList();

    private static string Quoted(string text) => JsonSerializer.Serialize(text);

    private static void CheckActor(string actor)
    {
        if (string.IsNullOrEmpty(actor) || actor.Length > 300 || actor.Any(char.IsControl))
        {
            throw new ArgumentException("actor must be 1-300 characters without control characters.", nameof(actor));
        }
    }
}
