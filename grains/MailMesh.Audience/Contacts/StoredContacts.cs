using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using MailMesh.Grains.Contacts;
using MailMesh.Runtime;
using MailMesh.Runtime.Storage;

namespace MailMesh.Audience.Contacts;

/// <summary>Reads contacts as their grains stored them, many in one storage query and without activating the grains
/// (a campaign batch re-reads its recipients right before it claims them). The stored state is what a contact grain
/// answers: it writes every change before it returns, and reads the store again when an import created the contact
/// behind its back (docs/adr/campaigns-06-grain-path-cpu.md).</summary>
public sealed class StoredContacts
{
    private readonly IGrainStorageBatch _storage;
    private readonly JsonTypeInfo<ContactState> _state;
    private readonly bool _generalDefault;

    /// <summary>Reads through <paramref name="storage"/> states written with <paramref name="json"/> (the runtime's
    /// options).</summary>
    public StoredContacts(IGrainStorageBatch storage, JsonSerializerOptions json)
    {
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(json);
        _storage = storage;
        _generalDefault = ContactStateJson.IsGeneralDefault(json);
        _state = _generalDefault
            ? ContactStateJsonContext.Default.ContactState
            : (JsonTypeInfo<ContactState>)json.GetTypeInfo(typeof(ContactState));
    }

    /// <summary>The contacts of <paramref name="tenant"/> at the normalized <paramref name="addresses"/>, in order; null
    /// where none is stored.</summary>
    public Task<ContactInfo?[]> GetManyAsync(string tenant, IReadOnlyList<string> addresses, CancellationToken cancellationToken = default) =>
        GetManyAsync(tenant, addresses, versions: null, cancellationToken);

    /// <summary>As <see cref="GetManyAsync(string, IReadOnlyList{string}, CancellationToken)"/>, and each stored contact's
    /// version (its ETag; null where none is stored) in <paramref name="versions"/>, for <see cref="ChangedAsync"/>.</summary>
    public async Task<ContactInfo?[]> GetManyAsync(string tenant, IReadOnlyList<string> addresses, string?[]? versions, CancellationToken cancellationToken = default)
    {
        if (versions is not null && versions.Length != addresses.Count)
        {
            throw new ArgumentException($"{versions.Length} versions for {addresses.Count} addresses.", nameof(versions));
        }

        var stored = await ReadAsync(tenant, addresses, cancellationToken).ConfigureAwait(false);
        var contacts = new ContactInfo?[stored.Count];
        for (var i = 0; i < contacts.Length; i++)
        {
            if (stored[i] is { } row && Decode(row.Payload) is { } state)
            {
                // The state is this call's own copy: the answer may share its collections.
                contacts[i] = ContactEditor.InfoOfFinal(tenant, addresses[i], state);
            }

            if (versions is not null)
            {
                versions[i] = stored[i]?.ETag;
            }
        }

        return contacts;
    }

    /// <summary>Whether each contact was written, created or deleted since <paramref name="versions"/> were read (true
    /// where its stored version differs), in order. Reads only the versions, no state: the cheap check before reading
    /// changed ones again (docs/adr/audience-09-contact-versions-recheck.md).</summary>
    public async Task<bool[]> ChangedAsync(string tenant, IReadOnlyList<string> addresses, IReadOnlyList<string?> versions, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        ArgumentNullException.ThrowIfNull(versions);
        if (versions.Count != addresses.Count)
        {
            throw new ArgumentException($"{versions.Count} versions for {addresses.Count} addresses.", nameof(versions));
        }

        var stored = await ReadVersionsAsync(tenant, addresses, cancellationToken).ConfigureAwait(false);
        var changed = new bool[stored.Count];
        for (var i = 0; i < changed.Length; i++)
        {
            changed[i] = !string.Equals(stored[i], versions[i], StringComparison.Ordinal);
        }

        return changed;
    }

    /// <summary>The stored state: read directly when the runtime writes with the general defaults and the payload has the
    /// shape it writes, otherwise by the serializer (which also reports what is wrong with a broken one).</summary>
    private ContactState? Decode(byte[] payload) =>
        _generalDefault && ContactStateReader.TryRead(payload, out var state) ? state : JsonSerializer.Deserialize(payload, _state);

    private async Task<IReadOnlyList<StoredState?>> ReadAsync(string tenant, IReadOnlyList<string> addresses, CancellationToken cancellationToken)
    {
        var ids = Ids(tenant, addresses);
        return ids.Length == 0 ? [] : await _storage.ReadManyAsync(ContactGrain.StateName, ids, cancellationToken).ConfigureAwait(false);
    }

    private async Task<IReadOnlyList<string?>> ReadVersionsAsync(string tenant, IReadOnlyList<string> addresses, CancellationToken cancellationToken)
    {
        var ids = Ids(tenant, addresses);
        return ids.Length == 0 ? [] : await _storage.ReadETagsAsync(ContactGrain.StateName, ids, cancellationToken).ConfigureAwait(false);
    }

    private static GrainId[] Ids(string tenant, IReadOnlyList<string> addresses)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenant);
        ArgumentNullException.ThrowIfNull(addresses);
        var ids = new GrainId[addresses.Count];
        for (var i = 0; i < ids.Length; i++)
        {
            ids[i] = new GrainId(ContactGrain.GrainType, ContactAddress.KeyFor(tenant, addresses[i]));
        }

        return ids;
    }
}
