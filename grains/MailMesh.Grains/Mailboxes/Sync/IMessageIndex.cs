namespace MailMesh.Grains.Mailboxes.Sync;

/// <summary>One message of a synced folder, as indexed.</summary>
/// <param name="Mailbox">Mailbox grain key.</param>
/// <param name="FolderId">Stable folder id.</param>
/// <param name="Folder">Folder name at the time of writing.</param>
/// <param name="UidValidity">UIDVALIDITY of the folder.</param>
/// <param name="Uid">UID (for POP3: a sequence the mailbox assigns per UIDL).</param>
/// <param name="Flags">Flags, space-separated, sorted.</param>
/// <param name="From">From addresses.</param>
/// <param name="To">To addresses.</param>
/// <param name="Subject">Decoded subject.</param>
/// <param name="Date">Date header (or INTERNALDATE when absent).</param>
/// <param name="Size">Size in bytes.</param>
/// <param name="MessageId">Message-ID without brackets.</param>
/// <param name="InReplyTo">In-Reply-To ids, space-separated.</param>
/// <param name="References">References ids, space-separated.</param>
/// <param name="BlobName">Where the raw MIME is.</param>
/// <param name="ModSeq">MODSEQ (0 without CONDSTORE).</param>
/// <param name="SourceId">POP3 UIDL, or null for IMAP.</param>
/// <param name="Tags">Tags rules gave the message (<c>tag</c>), space-separated, sorted; kept when a sync writes the row again.</param>
/// <param name="Priority">Priority rules gave the message (<c>priority</c>: high, normal, low), or null; kept like <paramref name="Tags"/>.</param>
public sealed record IndexedMessage(
    string Mailbox, string FolderId, string Folder, uint UidValidity, uint Uid, string Flags, string? From, string? To, string? Subject,
    DateTimeOffset? Date, long Size, string? MessageId, string? InReplyTo, string? References, string BlobName, ulong ModSeq, string? SourceId = null,
    string Tags = "", string? Priority = null);

/// <summary>The SQL message index. Writes are idempotent upserts keyed by mailbox, folder id, UIDVALIDITY and UID,
/// so a batch written again after a crash leaves the same rows.</summary>
public interface IMessageIndex
{
    /// <summary>Creates the schema when missing.</summary>
    Task InitializeAsync(CancellationToken cancellationToken = default);

    /// <summary>Inserts or replaces <paramref name="messages"/> in one transaction. An existing row keeps its
    /// <see cref="IndexedMessage.Tags"/> and <see cref="IndexedMessage.Priority"/> (a sync writing a row again must not
    /// drop what rules set); a new row takes them from the record.</summary>
    Task UpsertAsync(IReadOnlyList<IndexedMessage> messages, CancellationToken cancellationToken = default);

    /// <summary>UIDs and flags of a folder's messages under <paramref name="uidValidity"/>.</summary>
    Task<IReadOnlyDictionary<uint, (string Flags, ulong ModSeq)>> GetFlagsAsync(string mailbox, string folderId, uint uidValidity, CancellationToken cancellationToken = default);

    /// <summary>Sets the flags (and MODSEQ) of some messages.</summary>
    Task UpdateFlagsAsync(string mailbox, string folderId, uint uidValidity, IReadOnlyList<(uint Uid, string Flags, ulong ModSeq)> changes, CancellationToken cancellationToken = default);

    /// <summary>Adds <paramref name="addTags"/> to a message's tags and, when <paramref name="priority"/> is not null, sets its
    /// priority; false when the row does not exist.</summary>
    Task<bool> UpdateLabelsAsync(string mailbox, string folderId, uint uidValidity, uint uid, IReadOnlyCollection<string> addTags, string? priority, CancellationToken cancellationToken = default);

    /// <summary>Deletes some messages' rows.</summary>
    Task DeleteAsync(string mailbox, string folderId, uint uidValidity, IReadOnlyCollection<uint> uids, CancellationToken cancellationToken = default);

    /// <summary>Deletes a folder's rows, all or only those of other UIDVALIDITY values than <paramref name="keepUidValidity"/>.</summary>
    Task DeleteFolderAsync(string mailbox, string folderId, uint? keepUidValidity, CancellationToken cancellationToken = default);

    /// <summary>Records a folder's new name in its rows.</summary>
    Task RenameFolderAsync(string mailbox, string folderId, string newName, CancellationToken cancellationToken = default);

    /// <summary>A mailbox's messages, optionally of one folder, ordered by folder and UID.</summary>
    Task<IReadOnlyList<IndexedMessage>> ListAsync(string mailbox, string? folder = null, int limit = 1000, CancellationToken cancellationToken = default);

    /// <summary>How many messages the mailbox has.</summary>
    Task<long> CountAsync(string mailbox, CancellationToken cancellationToken = default);

    /// <summary>One page of a mailbox's messages matching <paramref name="search"/>, newest first (by date, then folder
    /// id, UIDVALIDITY and UID), with the key to continue after it.</summary>
    Task<IndexSearchPage> SearchAsync(string mailbox, IndexSearch search, CancellationToken cancellationToken = default);

    /// <summary>Deletes every row of a mailbox; returns how many there were.</summary>
    Task<int> DeleteMailboxAsync(string mailbox, CancellationToken cancellationToken = default);
}

/// <summary>Criteria of <see cref="IMessageIndex.SearchAsync"/>; every given one must match.</summary>
/// <param name="Limit">Most rows to return (1 or more).</param>
/// <param name="FolderId">Only this folder.</param>
/// <param name="Uid">Only this UID (with <paramref name="FolderId"/>).</param>
/// <param name="WithFlags">Flags every row has (case-insensitive).</param>
/// <param name="WithoutFlags">Flags no row has (case-insensitive).</param>
/// <param name="From">Text the From field contains (ASCII case-insensitive).</param>
/// <param name="Subject">Text the Subject contains (ASCII case-insensitive).</param>
/// <param name="Since">Dated at or after.</param>
/// <param name="Before">Dated before.</param>
/// <param name="After">Continue after this key (from the previous page).</param>
/// <param name="Tag">A tag the row has (case-insensitive, whole tag).</param>
/// <param name="Priority">The row's priority (high, normal, low).</param>
public sealed record IndexSearch(
    int Limit, string? FolderId = null, uint? Uid = null, IReadOnlyList<string>? WithFlags = null, IReadOnlyList<string>? WithoutFlags = null,
    string? From = null, string? Subject = null, DateTimeOffset? Since = null, DateTimeOffset? Before = null, IndexSearchKey? After = null,
    string? Tag = null, string? Priority = null);

/// <summary>The text form of message tags in the index: space-separated, sorted, no duplicates (case-insensitive).</summary>
public static class TagText
{
    /// <summary>Longest tag.</summary>
    public const int MaxTagLength = 100;

    /// <summary>A tag as stored: trimmed, inner white space and control characters replaced by '-', at most
    /// <see cref="MaxTagLength"/> characters; null when nothing is left.</summary>
    public static string? Normalize(string tag)
    {
        ArgumentNullException.ThrowIfNull(tag);
        var chars = tag.Trim().Select(c => char.IsWhiteSpace(c) || char.IsControl(c) ? '-' : c).ToArray();
        var text = new string(chars);
        return text.Length == 0 ? null : text.Length > MaxTagLength ? text[..MaxTagLength] : text;
    }

    /// <summary>The union of stored tags <paramref name="current"/> and <paramref name="added"/>, as stored text.</summary>
    public static string Merge(string? current, IEnumerable<string> added) =>
        string.Join(' ', Split(current).Concat(added.Select(Normalize).OfType<string>())
            .Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.Ordinal));

    /// <summary>The tags of stored text.</summary>
    public static IReadOnlyList<string> Split(string? tags) =>
        string.IsNullOrEmpty(tags) ? [] : tags.Split(' ', StringSplitOptions.RemoveEmptyEntries);
}

/// <summary>The position of a row in search order.</summary>
/// <param name="DateSeconds">Unix seconds of its date (0 without one).</param>
/// <param name="FolderId">Folder id.</param>
/// <param name="UidValidity">UIDVALIDITY.</param>
/// <param name="Uid">UID.</param>
public sealed record IndexSearchKey(long DateSeconds, string FolderId, uint UidValidity, uint Uid);

/// <summary>A page of search results.</summary>
/// <param name="Rows">The rows.</param>
/// <param name="Next">The key of the last row when more may follow; null on the last page.</param>
public sealed record IndexSearchPage(IReadOnlyList<IndexedMessage> Rows, IndexSearchKey? Next);
