using System.Globalization;
using MailMesh.Grains.Contacts;
using MailMesh.Grains.Sharing;
using MailMesh.Runtime;

namespace MailMesh.Audience.Privacy;

/// <summary>A tenant's block list of erased addresses (keyed hashes only) and its privacy audit trail: each entry is an
/// event <c>audit.contact.exported</c> or <c>audit.contact.erased</c> about <c>tenant/privacy</c>, hash-chained with
/// <see cref="AuditChain"/> like the mailbox audit trail, written with the state change it goes with.</summary>
public sealed class ContactPrivacyGrain([PersistentState("privacy")] IPersistentState<ContactPrivacyState> state) : Grain, IContactPrivacyGrain
{
    /// <summary>The privacy grain's key for <paramref name="tenant"/>.</summary>
    public static string KeyFor(string tenant) => tenant + "/privacy";

    /// <inheritdoc />
    public Task<bool> IsErased(string addressHash) => Task.FromResult(state.State.Erased.Contains(addressHash));

    /// <inheritdoc />
    public Task<IReadOnlyList<string>> FilterErased(IReadOnlyList<string> addressHashes)
    {
        ArgumentNullException.ThrowIfNull(addressHashes);
        IReadOnlyList<string> found = state.State.Erased.Count == 0 ? [] : addressHashes.Where(state.State.Erased.Contains).ToArray();
        return Task.FromResult(found);
    }

    /// <inheritdoc />
    public async Task RecordErasure(string actor, string addressHash, IReadOnlyDictionary<string, string>? details)
    {
        CheckHash(addressHash);
        state.State.Erased.Add(addressHash);
        Audit(actor, "contact.erased", addressHash, details);
        await state.WriteStateAsync();
    }

    /// <inheritdoc />
    public async Task RecordExport(string actor, string addressHash)
    {
        CheckHash(addressHash);
        Audit(actor, "contact.exported", addressHash, null);
        await state.WriteStateAsync();
    }

    /// <inheritdoc />
    public Task<long> CountErased() => Task.FromResult((long)state.State.Erased.Count);

    private void Audit(string actor, string action, string target, IReadOnlyDictionary<string, string>? details)
    {
        if (string.IsNullOrEmpty(actor) || actor.Length > 300 || actor.Any(char.IsControl))
        {
            throw new ArgumentException("actor must be 1-300 characters without control characters.", nameof(actor));
        }

        var copy = details?.ToDictionary(d => d.Key, d => d.Value, StringComparer.Ordinal) ?? [];
        var atMs = TimeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        var previous = state.State.AuditHead;
        var hash = AuditChain.Hash(previous, actor, action, target, atMs, copy);
        RaiseEvent(AuditChain.EventPrefix + action, GrainKey, new { actor, action, target, details = copy, atMs, prev = previous, hash });
        state.State.AuditHead = hash;
        state.State.Entries++;
    }

    private static void CheckHash(string addressHash)
    {
        if (addressHash is not { Length: 64 } || !addressHash.All(c => char.IsAsciiHexDigitLower(c) || char.IsAsciiDigit(c)))
        {
            throw new ArgumentException("the address hash must be 64 lower-case hex digits.", nameof(addressHash));
        }
    }
}

/// <summary>What a privacy grain persists.</summary>
public sealed class ContactPrivacyState
{
    /// <summary>Keyed hashes of erased addresses.</summary>
    public HashSet<string> Erased { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The hash of the last audit entry.</summary>
    public string AuditHead { get; set; } = AuditChain.Genesis;

    /// <summary>Audit entries written.</summary>
    public long Entries { get; set; }

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Erased.Count} erased, {Entries} audit entries");
}
