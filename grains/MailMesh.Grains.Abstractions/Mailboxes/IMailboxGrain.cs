using MailMesh.Runtime;

namespace MailMesh.Grains.Mailboxes;

/// <summary>One mailbox of a tenant, keyed <c>tenant/mailbox-name</c>. Its source sync, rules and sharing
/// arrive with their own features; this contract covers its life cycle.</summary>
public interface IMailboxGrain : IGrainWithStringKey
{
    /// <summary>Creates the mailbox and emits <c>mailbox.created</c>.</summary>
    /// <exception cref="MailboxAlreadyExistsException">The mailbox exists already.</exception>
    /// <exception cref="ArgumentException">A field is invalid; the message names it.</exception>
    Task<MailboxInfo> Create(CreateMailbox request);

    /// <summary>The mailbox, or null when it was never created.</summary>
    [ReadOnly]
    Task<MailboxInfo?> Get();

    /// <summary>Sets (or replaces) the mail source; secrets are encrypted before they are stored. Starts polling
    /// (a durable reminder) and a first sync.</summary>
    /// <exception cref="ArgumentException">A field is invalid; the message names it.</exception>
    /// <exception cref="MailboxSourceNotConfiguredException">The mailbox does not exist or sync is not set up in the silo.</exception>
    Task<MailboxSourceInfo> ConfigureSource(MailboxSource source);

    /// <summary>Removes the source and stops syncing; the index and blobs already stored are kept.</summary>
    Task RemoveSource();

    /// <summary>The configured source without secrets, or null.</summary>
    [ReadOnly]
    Task<MailboxSourceInfo?> GetSource();

    /// <summary>Starts a sync run now (or right after the current one); returns without waiting for it.</summary>
    Task SyncNow();

    /// <summary>The sync status.</summary>
    [ReadOnly]
    Task<MailboxSyncStatus> GetSyncStatus();

    /// <summary>The folders being synced.</summary>
    [ReadOnly]
    Task<IReadOnlyList<MailboxFolderInfo>> ListFolders();

    /// <summary>Adds and removes flags of one message on the server (UID STORE) and in the index.</summary>
    /// <param name="folder">Folder name.</param>
    /// <param name="uid">Message UID in the folder's current UIDVALIDITY.</param>
    /// <param name="add">Flags to add (e.g. <c>\Seen</c>).</param>
    /// <param name="remove">Flags to remove.</param>
    /// <returns>The message's flags afterwards.</returns>
    [CallTimeout(120_000)]
    Task<IReadOnlyList<string>> SetFlags(string folder, uint uid, string[] add, string[] remove);
}

/// <summary>The tenant's list of mailboxes, keyed <c>tenant/mailboxes</c>.</summary>
public interface IMailboxDirectoryGrain : IGrainWithStringKey
{
    /// <summary>Records a mailbox (idempotent).</summary>
    Task Register(string name);

    /// <summary>Mailbox names in ordinal order, from <paramref name="after"/> (exclusive), at most
    /// <paramref name="limit"/>.</summary>
    [ReadOnly]
    Task<IReadOnlyList<string>> List(string? after, int limit);
}
