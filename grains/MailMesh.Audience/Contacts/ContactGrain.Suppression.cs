using MailMesh.Grains.Contacts;

namespace MailMesh.Audience.Contacts;

public sealed partial class ContactGrain
{
    /// <inheritdoc />
    public async Task<ContactInfo> Unsubscribe(string list, string source, string? detail)
    {
        if (list != "*" && AttributeParsing.ListNameProblem(list) is { } problem)
        {
            throw new ArgumentException(problem + " (use '*' for all mail).", nameof(list));
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(source);
        var check = CheckKey();
        await RefreshIfMissingAsync();
        var created = !state.RecordExists;
        if (created)
        {
            await InitializeAsync(check);
        }
        else if (state.State.Suppressions.Any(s => s.Reason == SuppressionReason.Unsubscribed && (s.Scope == list || s.Scope == "*")))
        {
            return Info();
        }

        var now = TimeProvider.GetUtcNow();
        var id = $"unsubscribe:{list}:{now.ToUnixTimeMilliseconds()}";
        ContactEditor.Apply(state.State, new ContactChange(Consent: [new ConsentEntry(id, list, ConsentAction.Withdrawn, now, source, Text: detail)], Source: source));
        if (created)
        {
            RaiseEvent("contact.created", GrainKey, new { address = Address, changed = Array.Empty<string>(), source });
        }

        RaiseEvent("contact.unsubscribed", GrainKey, new { address = Address, list, source });
        return await CommitAsync();
    }

    /// <inheritdoc />
    public async Task<ContactInfo> Suppress(SuppressionReason reason, string? detail)
    {
        if (!Enum.IsDefined(reason) || reason == SuppressionReason.Unsubscribed)
        {
            throw new ArgumentException("suppress with hard_bounced, complained or manual; unsubscribes go through Unsubscribe.", nameof(reason));
        }

        var check = CheckKey();
        await RefreshIfMissingAsync();
        var created = !state.RecordExists;
        if (created)
        {
            await InitializeAsync(check);
            RaiseEvent("contact.created", GrainKey, new { address = Address, changed = Array.Empty<string>(), source = "suppression" });
        }

        if (!ContactEditor.AddSuppression(state.State, new Suppression("*", reason, TimeProvider.GetUtcNow(), detail is { Length: > 1000 } ? detail[..1000] : detail)))
        {
            return Info();
        }

        RaiseEvent("contact.suppressed", GrainKey, new { address = Address, reason = ReadModel.SqliteContactReadModel.Reason(reason) });
        return await CommitAsync();
    }

    /// <inheritdoc />
    public async Task<ContactInfo> Unsuppress(string scope, SuppressionReason reason, string actor)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(scope);
        ArgumentException.ThrowIfNullOrWhiteSpace(actor);
        await RefreshIfMissingAsync();
        RequireContact();
        var removed = state.State.Suppressions.RemoveAll(s => s.Scope == scope && s.Reason == reason);
        if (removed == 0)
        {
            return Info();
        }

        RaiseEvent("contact.updated", GrainKey, new { address = Address, changed = new[] { "suppression" }, source = actor });
        return await CommitAsync();
    }
}
