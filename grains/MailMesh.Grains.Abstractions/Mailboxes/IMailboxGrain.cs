using MailMesh.Runtime;

namespace MailMesh.Grains.Mailboxes;

/// <summary>One mailbox of a tenant, keyed <c>tenant/mailbox-name</c>: its life cycle, its mail source and sync, and
/// the messages in its index. Methods other than <see cref="Create"/> and <see cref="Get"/> added with the message API
/// throw <see cref="MailboxNotFoundException"/> when the mailbox does not exist.</summary>
public interface IMailboxGrain : IGrainWithStringKey
{
    /// <summary>Creates the mailbox and emits <c>mailbox.created</c>.</summary>
    /// <exception cref="MailboxAlreadyExistsException">The mailbox exists already.</exception>
    /// <exception cref="ArgumentException">A field is invalid; the message names it.</exception>
    Task<MailboxInfo> Create(CreateMailbox request);

    /// <summary>The mailbox, or null when it was never created.</summary>
    [ReadOnly]
    Task<MailboxInfo?> Get();

    /// <summary>Changes the display name and/or address; emits <c>mailbox.updated</c>.</summary>
    /// <exception cref="ArgumentException">A field is invalid; the message names it.</exception>
    Task<MailboxInfo> Update(UpdateMailbox request);

    /// <summary>Deletes the mailbox: stops and removes its source, deletes its index rows and stored blobs, removes it
    /// from the tenant's directory and emits <c>mailbox.deleted</c>. Messages on the source server are untouched.</summary>
    [CallTimeout(300_000)]
    Task Delete();

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

    /// <summary>Starts a sync run like <see cref="SyncNow"/> and returns the value <see cref="MailboxSyncStatus.Runs"/>
    /// will have once a run that started after this call has ended.</summary>
    Task<long> RequestSync();

    /// <summary>Progress of the run in progress, or null when none runs.</summary>
    [ReadOnly]
    Task<SyncProgress?> GetSyncProgress();

    /// <summary>Searches the mailbox's index, newest first.</summary>
    /// <exception cref="ArgumentException">A criterion is invalid; the message names it.</exception>
    /// <exception cref="MailboxItemNotFoundException">The folder is not synced.</exception>
    [ReadOnly]
    Task<MessagePage> SearchMessages(MessageQuery query);

    /// <summary>One message's index row.</summary>
    /// <exception cref="MailboxItemNotFoundException">No such folder or UID.</exception>
    [ReadOnly]
    Task<MessageInfo> GetMessage(string folder, uint uid);

    /// <summary>Headers, MIME tree and a text preview of one message, parsed from its stored raw MIME.</summary>
    /// <param name="folder">Folder name.</param>
    /// <param name="uid">UID.</param>
    /// <param name="previewLength">Longest preview in characters (0–10,000).</param>
    [ReadOnly]
    [CallTimeout(120_000)]
    Task<MessageSummary> GetMessageSummary(string folder, uint uid, int previewLength);

    /// <summary>Up to <paramref name="count"/> bytes (at most 4 MiB) of a message's raw MIME from
    /// <paramref name="offset"/>; fewer (or none) at its end.</summary>
    [ReadOnly]
    Task<byte[]> ReadMessageRaw(string folder, uint uid, long offset, int count);

    /// <summary>Moves a message to another folder on the server (UID MOVE, or UID COPY + STORE \Deleted + UID EXPUNGE
    /// with UIDPLUS) and in the index; emits <c>message.moved</c>.</summary>
    /// <exception cref="MailboxItemNotFoundException">No such folder or UID.</exception>
    [CallTimeout(120_000)]
    Task<MovedMessage> Move(string folder, uint uid, string destination);

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

    /// <summary>Forgets a mailbox (idempotent).</summary>
    Task Unregister(string name);
}
