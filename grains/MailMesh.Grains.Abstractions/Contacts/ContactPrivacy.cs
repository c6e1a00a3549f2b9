using MailMesh.Runtime;

namespace MailMesh.Grains.Contacts;

/// <summary>A tenant's privacy records, keyed <c>tenant/privacy</c>: the block list of erased addresses (kept only as
/// keyed hashes, see docs/adr/audience-05-gdpr-erase.md) and the audit trail of exports and erasures (events
/// <c>audit.contact.exported</c> and <c>audit.contact.erased</c>, hash-chained like the mailbox audit trail).</summary>
public interface IContactPrivacyGrain : IGrainWithStringKey
{
    /// <summary>Whether the address with keyed hash <paramref name="addressHash"/> was erased.</summary>
    [ReadOnly]
    Task<bool> IsErased(string addressHash);

    /// <summary>The hashes of <paramref name="addressHashes"/> that are on the block list.</summary>
    [ReadOnly]
    Task<IReadOnlyList<string>> FilterErased(IReadOnlyList<string> addressHashes);

    /// <summary>Puts the hash on the block list (idempotent) and records the erasure in the audit trail.</summary>
    Task RecordErasure(string actor, string addressHash, IReadOnlyDictionary<string, string>? details);

    /// <summary>Records an export in the audit trail.</summary>
    Task RecordExport(string actor, string addressHash);

    /// <summary>How many addresses are on the block list.</summary>
    [ReadOnly]
    Task<long> CountErased();
}

/// <summary>Everything held about one contact (GDPR access and portability).</summary>
/// <param name="Tenant">The tenant.</param>
/// <param name="Address">The normalized address.</param>
/// <param name="Contact">The contact's attributes, lists, consent ledger, suppressions and engagement; null when no
/// contact is stored for the address.</param>
/// <param name="Events">The events about the contact in the event log (what happened to it, including messages sent
/// when the sending side records them), oldest first.</param>
/// <param name="ImportIssues">Issues of imports that touched the contact and name its address.</param>
/// <param name="ExportedAt">When the export was made.</param>
[Immutable]
public sealed record ContactExport(
    string Tenant, string Address, ContactInfo? Contact, IReadOnlyList<ExportedEvent> Events, IReadOnlyList<ExportedImportIssue> ImportIssues,
    DateTimeOffset ExportedAt);

/// <summary>An event of the export.</summary>
/// <param name="Sequence">Its sequence in the event log.</param>
/// <param name="Type">Its type.</param>
/// <param name="Time">When.</param>
/// <param name="PayloadJson">Its data (a JSON object).</param>
[Immutable]
public sealed record ExportedEvent(long Sequence, string Type, DateTimeOffset Time, string PayloadJson);

/// <summary>An import issue of the export.</summary>
/// <param name="Import">The import id.</param>
/// <param name="Issue">The issue.</param>
[Immutable]
public sealed record ExportedImportIssue(string Import, ImportIssue Issue);

/// <summary>What an erasure did.</summary>
/// <param name="AddressHash">The keyed hash left on the block list.</param>
/// <param name="ContactExisted">Whether a contact was stored (an erasure of an unknown address still blocks it).</param>
/// <param name="EventsTombstoned">Events whose subject and payload were replaced.</param>
/// <param name="ImportsRedacted">Imports whose issues named the address and were redacted.</param>
/// <param name="ErasedAt">When.</param>
[Immutable]
public sealed record ContactErasure(string AddressHash, bool ContactExisted, long EventsTombstoned, int ImportsRedacted, DateTimeOffset ErasedAt);

/// <summary>The address was erased at the person's request: it may not be created, imported or mailed again.</summary>
public sealed class ContactErasedException(string key) : InvalidOperationException(
    $"Contact '{key}' was erased at the person's request (GDPR): the address is on the block list and may not be created or imported again.")
{
    /// <summary>The contact's grain key.</summary>
    public string Key { get; } = key;
}
