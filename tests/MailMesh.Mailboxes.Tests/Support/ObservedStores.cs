using MailMesh.Blobs;
using MailMesh.Grains.Mailboxes.Sync;
using MailMesh.Testing;

namespace MailMesh.Mailboxes.Tests.Support;

/// <summary>A blob store that counts completed puts and lets a test wait for the n-th.</summary>
public sealed class CountingBlobStore(IBlobStore inner) : IBlobStore
{
    private readonly Milestones _puts = new();

    public int Puts => (int)_puts.Value;

    /// <summary>Completes once at least <paramref name="count"/> puts have completed.</summary>
    public Task WhenPutsAsync(int count) => _puts.WhenAtLeast(count);

    public async Task<BlobProperties> PutAsync(string name, Stream content, string? contentType = null, CancellationToken cancellationToken = default) =>
        Counted(await inner.PutAsync(name, content, contentType, cancellationToken));

    public async Task<BlobProperties> PutAsync(string name, ReadOnlyMemory<byte> content, string? contentType = null, CancellationToken cancellationToken = default) =>
        Counted(await inner.PutAsync(name, content, contentType, cancellationToken));

    public Task<BlobDownload?> OpenReadAsync(string name, BlobRange? range = null, CancellationToken cancellationToken = default) =>
        inner.OpenReadAsync(name, range, cancellationToken);

    public Task<BlobProperties?> GetPropertiesAsync(string name, CancellationToken cancellationToken = default) => inner.GetPropertiesAsync(name, cancellationToken);

    public Task<bool> DeleteAsync(string name, CancellationToken cancellationToken = default) => inner.DeleteAsync(name, cancellationToken);

    public IAsyncEnumerable<BlobProperties> ListAsync(string prefix, CancellationToken cancellationToken = default) => inner.ListAsync(prefix, cancellationToken);

    public Task FlushAsync(CancellationToken cancellationToken = default) => inner.FlushAsync(cancellationToken);

    private BlobProperties Counted(BlobProperties stored)
    {
        _puts.Increment();
        return stored;
    }
}

/// <summary>A message index whose batch upserts a test can intercept (before the rows are written): the hook gets the
/// 1-based number of the upsert and its rows, and may wait or throw.</summary>
public sealed class GatedMessageIndex(IMessageIndex inner) : IMessageIndex
{
    private int _upserts;

    public Func<int, IReadOnlyList<IndexedMessage>, Task>? BeforeUpsert { get; set; }

    public async Task UpsertAsync(IReadOnlyList<IndexedMessage> messages, CancellationToken cancellationToken = default)
    {
        if (BeforeUpsert is { } hook)
        {
            await hook(Interlocked.Increment(ref _upserts), messages);
        }

        await inner.UpsertAsync(messages, cancellationToken);
    }

    public Task InitializeAsync(CancellationToken cancellationToken = default) => inner.InitializeAsync(cancellationToken);

    public Task<IReadOnlyDictionary<uint, (string Flags, ulong ModSeq)>> GetFlagsAsync(string mailbox, string folderId, uint uidValidity, CancellationToken cancellationToken = default) =>
        inner.GetFlagsAsync(mailbox, folderId, uidValidity, cancellationToken);

    public Task UpdateFlagsAsync(string mailbox, string folderId, uint uidValidity, IReadOnlyList<(uint Uid, string Flags, ulong ModSeq)> changes, CancellationToken cancellationToken = default) =>
        inner.UpdateFlagsAsync(mailbox, folderId, uidValidity, changes, cancellationToken);

    public Task<bool> UpdateLabelsAsync(string mailbox, string folderId, uint uidValidity, uint uid, IReadOnlyCollection<string> addTags, string? priority, CancellationToken cancellationToken = default) =>
        inner.UpdateLabelsAsync(mailbox, folderId, uidValidity, uid, addTags, priority, cancellationToken);

    public Task DeleteAsync(string mailbox, string folderId, uint uidValidity, IReadOnlyCollection<uint> uids, CancellationToken cancellationToken = default) =>
        inner.DeleteAsync(mailbox, folderId, uidValidity, uids, cancellationToken);

    public Task DeleteFolderAsync(string mailbox, string folderId, uint? keepUidValidity, CancellationToken cancellationToken = default) =>
        inner.DeleteFolderAsync(mailbox, folderId, keepUidValidity, cancellationToken);

    public Task RenameFolderAsync(string mailbox, string folderId, string newName, CancellationToken cancellationToken = default) =>
        inner.RenameFolderAsync(mailbox, folderId, newName, cancellationToken);

    public Task<IReadOnlyList<IndexedMessage>> ListAsync(string mailbox, string? folder = null, int limit = 1000, CancellationToken cancellationToken = default) =>
        inner.ListAsync(mailbox, folder, limit, cancellationToken);

    public Task<long> CountAsync(string mailbox, CancellationToken cancellationToken = default) => inner.CountAsync(mailbox, cancellationToken);

    public Task<IndexSearchPage> SearchAsync(string mailbox, IndexSearch search, CancellationToken cancellationToken = default) =>
        inner.SearchAsync(mailbox, search, cancellationToken);

    public Task<int> DeleteMailboxAsync(string mailbox, CancellationToken cancellationToken = default) => inner.DeleteMailboxAsync(mailbox, cancellationToken);
}
