using MailMesh.Grains.Mailboxes.Sync;
using MailMesh.Runtime;

namespace MailMesh.Grains.Mailboxes;

/// <summary>A tenant's mailbox: its life cycle, and the sync of its mail source (see docs/adr/sync-01-mailbox-sync.md).
/// <paramref name="sync"/> is null in silos without <see cref="MailboxSyncServiceCollectionExtensions.AddMailboxSync"/>.</summary>
public sealed partial class MailboxGrain(
    [PersistentState("mailbox")] IPersistentState<MailboxState> state,
    [PersistentState("sync")] IPersistentState<MailboxSyncState> syncState,
    MailboxSyncServices? sync = null) : Grain, IMailboxGrain, IRemindable
{
    /// <summary>Longest display name.</summary>
    public const int MaxDisplayNameLength = 200;

    /// <inheritdoc />
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.RecordExists && !state.State.Listed)
        {
            // The mailbox was stored but its directory registration did not complete: finish it now.
            await ListInDirectory();
        }

        StartIdleWatcher();
    }

    /// <inheritdoc />
    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => StopSyncAsync();

    /// <inheritdoc />
    public async Task<MailboxInfo> Create(CreateMailbox request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (state.RecordExists)
        {
            throw new MailboxAlreadyExistsException(GrainKey);
        }

        Validate(request);
        state.State = new MailboxState
        {
            DisplayName = request.DisplayName.Trim(),
            Address = string.IsNullOrWhiteSpace(request.Address) ? null : request.Address.Trim(),
            CreatedAt = TimeProvider.GetUtcNow(),
        };
        var info = Info();
        RaiseEvent("mailbox.created", GrainKey, new { name = info.Name, displayName = info.DisplayName, address = info.Address });
        await state.WriteStateAsync();
        await ListInDirectory();
        return info;
    }

    /// <inheritdoc />
    public Task<MailboxInfo?> Get() => Task.FromResult(state.RecordExists ? Info() : null);

    /// <inheritdoc />
    public async Task<MailboxInfo> Update(UpdateMailbox request)
    {
        ArgumentNullException.ThrowIfNull(request);
        RequireMailbox();
        var displayName = request.DisplayName ?? state.State.DisplayName;
        var address = request.Address is null ? state.State.Address : request.Address.Length == 0 ? null : request.Address;
        Validate(new CreateMailbox(displayName, address));
        state.State.DisplayName = displayName.Trim();
        state.State.Address = string.IsNullOrWhiteSpace(address) ? null : address.Trim();
        var info = Info();
        RaiseEvent("mailbox.updated", GrainKey, new { name = info.Name, displayName = info.DisplayName, address = info.Address });
        await state.WriteStateAsync();
        return info;
    }

    /// <inheritdoc />
    public async Task Delete()
    {
        RequireMailbox();
        await RemoveSource();
        await StopSyncAsync();
        long rows = 0, blobs = 0;
        if (sync is not null)
        {
            rows = await sync.Index.DeleteMailboxAsync(GrainKey);
            await foreach (var blob in sync.Blobs.ListAsync(BlobPrefix + "/"))
            {
                blobs += await sync.Blobs.DeleteAsync(blob.Name) ? 1 : 0;
            }
        }

        await syncState.ClearStateAsync();
        RaiseEvent("mailbox.deleted", GrainKey, new { name = Name, messages = rows, blobs });
        await state.ClearStateAsync();
        // Removed from the directory last: a crash before this leaves a listed name whose Get returns null, which
        // listings skip, rather than a mailbox nobody can list.
        await GrainFactory.GetGrain<IMailboxDirectoryGrain>(MailboxDirectoryGrain.KeyFor(GrainId.Tenant)).Unregister(Name);
        DeactivateOnIdle();
    }

    private async Task ListInDirectory()
    {
        await GrainFactory.GetGrain<IMailboxDirectoryGrain>(MailboxDirectoryGrain.KeyFor(GrainId.Tenant)).Register(Name);
        state.State.Listed = true;
        await state.WriteStateAsync();
    }

    private string Name => GrainKey[(GrainId.Tenant.Length + 1)..];

    private MailboxInfo Info() => new(GrainId.Tenant, Name, state.State.DisplayName, state.State.Address, state.State.CreatedAt);

    private static void Validate(CreateMailbox request)
    {
        var displayName = request.DisplayName?.Trim() ?? "";
        if (displayName.Length is 0 or > MaxDisplayNameLength)
        {
            throw new ArgumentException(
                $"display_name must be 1-{MaxDisplayNameLength} characters; it is {displayName.Length}.", nameof(CreateMailbox.DisplayName));
        }

        if (!string.IsNullOrWhiteSpace(request.Address) && !MailAddressSyntax.IsValid(request.Address.Trim()))
        {
            throw new ArgumentException(
                $"address '{request.Address}' is not an e-mail address of the form local@domain.", nameof(CreateMailbox.Address));
        }
    }
}
