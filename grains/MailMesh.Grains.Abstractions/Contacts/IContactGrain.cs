using MailMesh.Runtime;

namespace MailMesh.Grains.Contacts;

/// <summary>One contact of a tenant, keyed <c>tenant/normalized-address</c> (see <see cref="ContactAddress.Normalize"/>):
/// the single writer of its attributes, lists, consent ledger, suppressions and engagement. Every change is written
/// with its event and then to the contacts read model (docs/adr/audience-01-contact-read-model.md).</summary>
public interface IContactGrain : IGrainWithStringKey
{
    /// <summary>Creates the contact; emits <c>contact.created</c>.</summary>
    /// <exception cref="ContactAlreadyExistsException">It exists already.</exception>
    /// <exception cref="ArgumentException">The key is not a normalized address, or the change is invalid; the message says which part.</exception>
    Task<ContactInfo> Create(ContactChange change);

    /// <summary>Creates the contact or applies the change to it; emits <c>contact.created</c> or <c>contact.updated</c>
    /// (nothing when nothing changed). Suppressions are never lifted by an upsert.</summary>
    /// <exception cref="ArgumentException">The change is invalid; the message says which part.</exception>
    Task<ContactUpsertResult> Upsert(ContactChange change);

    /// <summary>Applies a change to an existing contact; emits <c>contact.updated</c> when something changed.</summary>
    /// <exception cref="ContactNotFoundException">It does not exist.</exception>
    Task<ContactInfo> Update(ContactChange change);

    /// <summary>The contact, or null.</summary>
    [ReadOnly]
    Task<ContactInfo?> Get();

    /// <summary>Deletes the contact and its read-model row; emits <c>contact.deleted</c>. Its suppressions are lost
    /// too: use erase (GDPR) to forget a person while keeping the address unmailable.</summary>
    /// <exception cref="ContactNotFoundException">It does not exist.</exception>
    Task Delete();

    /// <summary>Unsubscribes the contact from <paramref name="list"/> (or everything with <c>*</c>), records the withdrawal
    /// in the consent ledger and emits <c>contact.unsubscribed</c>. Idempotent.</summary>
    Task<ContactInfo> Unsubscribe(string list, string source, string? detail);

    /// <summary>Suppresses the contact for all mail (hard bounce, complaint, or by hand); emits <c>contact.suppressed</c>.
    /// Creates the contact when it does not exist, so a bounce or complaint is never lost. Idempotent per reason.</summary>
    Task<ContactInfo> Suppress(SuppressionReason reason, string? detail);

    /// <summary>Lifts a suppression of <paramref name="reason"/> and <paramref name="scope"/> (a person's decision, made
    /// through the API only); emits <c>contact.updated</c>. Returns the contact afterwards.</summary>
    /// <exception cref="ContactNotFoundException">It does not exist.</exception>
    Task<ContactInfo> Unsuppress(string scope, SuppressionReason reason, string actor);

    /// <summary>Replaces the engagement fields (tracking owns them).</summary>
    /// <exception cref="ContactNotFoundException">It does not exist.</exception>
    Task<ContactInfo> SetEngagement(ContactEngagement engagement);

    /// <summary>Everything held about the contact (GDPR access and portability): its state, the events about it and the
    /// import issues that name it. Recorded in the tenant's privacy audit trail as done by <paramref name="actor"/>.
    /// Answers for an address with no contact too (with <see cref="ContactExport.Contact"/> null).</summary>
    Task<ContactExport> Export(string actor);

    /// <summary>Forgets the person (GDPR erasure): the address's keyed hash goes on the tenant's block list first, then the
    /// read-model row, the state, the import issues naming it and the payloads of the events about it are removed
    /// (events are tombstoned: sequence kept, subject and payload replaced); emits <c>contact.erased</c> (with the hash
    /// only) and records the erasure in the privacy audit trail. Idempotent; an address with no contact is blocked too.</summary>
    Task<ContactErasure> Erase(string actor);
}

/// <summary>A tenant's contact attribute schema, keyed <c>tenant/contact-schema</c>.</summary>
public interface IContactSchemaGrain : IGrainWithStringKey
{
    /// <summary>The standard attributes and the tenant's own.</summary>
    [ReadOnly]
    Task<AttributeSchema> Get();

    /// <summary>Adds an attribute (or changes the description of an existing one; its type cannot change).</summary>
    /// <exception cref="ArgumentException">The name is malformed, or the attribute exists with another type.</exception>
    Task<AttributeSchema> Define(AttributeDefinition definition);
}

/// <summary>Queries over a tenant's contacts, keyed <c>tenant/contacts</c>; answered from the read model (never by
/// calling contact grains), so its read-only calls run side by side.</summary>
public interface IContactDirectoryGrain : IGrainWithStringKey
{
    /// <summary>Up to <paramref name="limit"/> (1-1000) contacts after <paramref name="after"/> in address order,
    /// optionally only members of <paramref name="list"/>.</summary>
    /// <exception cref="ArgumentException">The list name or limit is invalid.</exception>
    [ReadOnly]
    Task<ContactPage> List(string? list, string? after, int limit);
}
