using MailMesh.Grains.Contacts;

namespace MailMesh.Audience.ReadModel;

/// <summary>The contacts read model: one row per contact with its attributes, lists and suppressions in indexed side
/// tables, for queries over many contacts (listings, segments). Only contact grains write it; a write carries the
/// contact's version and never replaces a newer row (docs/adr/audience-01-contact-read-model.md).</summary>
public interface IContactReadModel
{
    /// <summary>Creates the schema when missing.</summary>
    Task InitializeAsync(CancellationToken cancellationToken = default);

    /// <summary>Writes the contact's row unless the stored one has the same or a newer version.</summary>
    Task UpsertAsync(ContactInfo contact, CancellationToken cancellationToken = default);

    /// <summary>Writes many contacts' rows (an import step) together, each unless the stored one has the same or a newer
    /// version: in one transaction where the store can, so the rows are all written or none.</summary>
    Task UpsertManyAsync(IReadOnlyList<ContactInfo> contacts, CancellationToken cancellationToken = default);

    /// <summary>Deletes the contact's row and side rows (idempotent).</summary>
    Task DeleteAsync(string tenant, string address, CancellationToken cancellationToken = default);

    /// <summary>The version of the stored row, or null when there is none.</summary>
    Task<long?> GetVersionAsync(string tenant, string address, CancellationToken cancellationToken = default);

    /// <summary>How many contacts the tenant has.</summary>
    Task<long> CountAsync(string tenant, CancellationToken cancellationToken = default);

    /// <summary>A page of the tenant's contacts in address order after <paramref name="after"/> (exclusive), optionally
    /// only members of <paramref name="list"/>.</summary>
    Task<IReadOnlyList<ContactSummary>> ListAsync(string tenant, string? list, string? after, int limit, CancellationToken cancellationToken = default);
}
