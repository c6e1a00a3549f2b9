using MailMesh.Audience.Privacy;
using MailMesh.Audience.ReadModel;
using MailMesh.Grains.Contacts;
using MailMesh.Runtime;
using MailMesh.Runtime.Storage;

namespace MailMesh.Audience.Contacts;

/// <summary>One contact: the single writer of its state. Each change is written with its event, then to the read model;
/// an activation whose read-model row is missing or older than its state writes the row again
/// (docs/adr/audience-01-contact-read-model.md). New contacts may also be written in bulk by an import
/// (docs/adr/audience-04-bulk-import.md): an activation that found no contact reads again before acting on that.</summary>
public sealed partial class ContactGrain(
    [PersistentState("contact")] IPersistentState<ContactState> state,
    IContactReadModel readModel,
    AddressHasher hasher,
    IEventLog events,
    IEventLogRedaction? redaction = null) : Grain, IContactGrain
{
    /// <summary>The grain type of contacts in storage.</summary>
    public static readonly string GrainType = typeof(IContactGrain).FullName!;

    /// <summary>The name of the contact state in storage.</summary>
    public const string StateName = "contact";

    /// <summary>Most consent entries kept per contact (the ledger is append-only; a contact reaching it is refused
    /// further entries rather than losing old ones).</summary>
    public const int MaxConsentEntries = 1000;

    /// <summary>Most lists a contact may belong to.</summary>
    public const int MaxLists = 500;

    private bool _readSinceActivation = true;

    private string Address => GrainKey[(GrainId.Tenant.Length + 1)..];

    /// <inheritdoc />
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.RecordExists && await readModel.GetVersionAsync(GrainId.Tenant, Address, cancellationToken) != state.State.Version)
        {
            // The last write reached the state but not the read model (a crash in between): write the row again.
            await readModel.UpsertAsync(Info(), cancellationToken);
        }
    }

    /// <inheritdoc />
    public async Task<ContactInfo> Create(ContactChange change)
    {
        await RefreshIfMissingAsync();
        if (state.RecordExists)
        {
            throw new ContactAlreadyExistsException(GrainKey);
        }

        return (await Upsert(change)).Contact;
    }

    /// <inheritdoc />
    public async Task<ContactUpsertResult> Upsert(ContactChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        var check = CheckKey();
        await RefreshIfMissingAsync();
        var schema = change.Attributes is { Count: > 0 } ? await Schema() : null;
        ContactEditor.Validate(state.State, change, schema);
        var created = !state.RecordExists;
        if (created)
        {
            await InitializeAsync(check);
        }

        var changes = ContactEditor.Apply(state.State, change);
        if (!created && changes.Count == 0)
        {
            return new ContactUpsertResult(Info(), false, false);
        }

        RaiseEvent(created ? "contact.created" : "contact.updated", GrainKey, new { address = Address, changed = changes, source = change.Source });
        return new ContactUpsertResult(await CommitAsync(), created, true);
    }

    /// <inheritdoc />
    public async Task<ContactInfo> Update(ContactChange change)
    {
        await RefreshIfMissingAsync();
        RequireContact();
        return (await Upsert(change)).Contact;
    }

    /// <inheritdoc />
    public async Task<ContactInfo?> Get()
    {
        await RefreshIfMissingAsync();
        return state.RecordExists ? Info() : null;
    }

    /// <inheritdoc />
    public async Task Delete()
    {
        await RefreshIfMissingAsync();
        RequireContact();
        // The row goes first: a crash before the state is cleared leaves a contact whose next activation restores its row.
        await readModel.DeleteAsync(GrainId.Tenant, Address);
        RaiseEvent("contact.deleted", GrainKey, new { address = Address });
        await state.ClearStateAsync();
        DeactivateOnIdle();
    }

    /// <inheritdoc />
    public async Task<ContactInfo> SetEngagement(ContactEngagement engagement)
    {
        ArgumentNullException.ThrowIfNull(engagement);
        RequireContact();
        if (engagement.Opens < 0 || engagement.Clicks < 0 || !double.IsFinite(engagement.Score) || engagement.Score is < 0 or > 100)
        {
            throw new ArgumentException("opens and clicks must be 0 or more and the score 0-100.", nameof(engagement));
        }

        state.State.Engagement = engagement;
        return await CommitAsync();
    }

    private async Task<AttributeSchema> Schema() =>
        await GrainFactory.GetGrain<IContactSchemaGrain>(ContactSchemaGrain.KeyFor(GrainId.Tenant)).Get();

    private AddressCheck CheckKey()
    {
        var check = ContactAddress.Check(Address);
        if (check.Normalized != Address)
        {
            throw new ArgumentException(
                check.IsValid ? $"the contact key '{Address}' is not normalized; use '{check.Normalized}'." : $"'{Address}' is not a valid address: {check.Error}.",
                "address");
        }

        return check;
    }

    /// <summary>Starts a new contact, unless its address was erased (then nothing of it may be stored again).</summary>
    private async Task InitializeAsync(AddressCheck check)
    {
        if (await Privacy().IsErased(hasher.Hash(GrainId.Tenant, Address)))
        {
            throw new ContactErasedException(GrainKey);
        }

        state.State = ContactEditor.New(check, TimeProvider.GetUtcNow());
    }

    /// <summary>An import may have created the contact in bulk after this activation found none: read again (a cheap miss)
    /// before answering or acting on "no contact" in any turn after the first.</summary>
    private async Task RefreshIfMissingAsync()
    {
        if (_readSinceActivation)
        {
            _readSinceActivation = false;
            return;
        }

        if (!state.RecordExists)
        {
            await state.ReadStateAsync();
        }
    }

    private IContactPrivacyGrain Privacy() => GrainFactory.GetGrain<IContactPrivacyGrain>(ContactPrivacyGrain.KeyFor(GrainId.Tenant));

    private void RequireContact()
    {
        if (!state.RecordExists)
        {
            throw new ContactNotFoundException(GrainKey);
        }
    }

    /// <summary>Writes the state (version + 1) with the pending events, then the read-model row. When the state write
    /// fails the change stays in the activation with its events, which the runtime writes at deactivation at the latest;
    /// the row follows at the next activation.</summary>
    private async Task<ContactInfo> CommitAsync()
    {
        state.State.Version++;
        state.State.UpdatedAt = TimeProvider.GetUtcNow();
        try
        {
            await state.WriteStateAsync();
        }
        catch (InconsistentStateException)
        {
            // Someone else wrote the contact (a bulk import created it meanwhile): this activation's copy is stale; drop
            // it so the next call reads the stored one. The caller sees the conflict and may retry.
            DeactivateOnIdle();
            throw;
        }

        var info = Info();
        await readModel.UpsertAsync(info);
        return info;
    }

    private ContactInfo Info() => ContactEditor.Info(GrainId.Tenant, Address, state.State);
}
