using MailMesh.Engagement.Bounces;
using MailMesh.Grains.Engagement;
using MailMesh.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace MailMesh.Engagement.Tests.Bounces;

public sealed class BounceReaderCursorTests : IAsyncLifetime
{
    private const int Notices = 200;
    private readonly CursorCountingStore _store = new();
    private BounceSilo _silo = null!;

    public async Task InitializeAsync() => _silo = await BounceSilo.StartAsync(
        new Dictionary<string, string?> { ["Bounces:Mailboxes:0"] = "acme/bounces" },
        services => services.AddSingleton<IBounceStore>(sp => _store.Wrap(sp.GetRequiredService<BounceStore>())));

    public async Task DisposeAsync() => await _silo.DisposeAsync();

    [Fact]
    public async Task Reader_PastManyEventsOfOtherKinds_StoresItsCursorOnceTheLogIsQuietNotPerEvent()
    {
        for (var i = 0; i < Notices; i++)
        {
            var notice = new BounceNotice($"webhook:n{i}", BounceKind.SoftBounce, BounceReason.MailboxFull, "spring", null, "4.2.2", "mailbox full", null, "webhook", DateTimeOffset.UtcNow);
            await _silo.Processor.RecordAsync("acme", $"user{i}@example.org", notice);
        }

        var last = await _silo.Events.GetLastSequenceAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _store.StoredThrough(last).WaitAsync(timeout.Token);

        Assert.True(last >= Notices, $"{Notices} notices logged {last} events");
        Assert.True(_store.CursorWrites <= 10, $"the cursor was stored {_store.CursorWrites} times past {last} events of other kinds");
        Assert.Equal(last, await _store.Inner.GetCursorAsync(BounceMailboxReader.CursorName));
    }

    /// <summary>The real SQLite bounce store, counting the reader's cursor writes and telling when one reached a
    /// sequence.</summary>
    private sealed class CursorCountingStore : IBounceStore
    {
        private readonly Milestones _stored = new();
        private int _writes;

        public BounceStore Inner { get; private set; } = null!;

        public int CursorWrites => Volatile.Read(ref _writes);

        public IBounceStore Wrap(BounceStore inner)
        {
            Inner = inner;
            return this;
        }

        public Task StoredThrough(long sequence) => _stored.WhenAtLeast(sequence);

        public async Task MarkProcessedAsync(string? key, string cursor, long sequence, DateTimeOffset at, CancellationToken cancellationToken = default)
        {
            await Inner.MarkProcessedAsync(key, cursor, sequence, at, cancellationToken);
            Interlocked.Increment(ref _writes);
            _stored.RaiseTo(sequence);
        }

        public Task<long> AddReviewAsync(BounceReviewItem item, CancellationToken cancellationToken = default) => Inner.AddReviewAsync(item, cancellationToken);

        public Task<IReadOnlyList<BounceReviewItem>> ListReviewAsync(string tenant, int limit = 100, long? beforeId = null, CancellationToken cancellationToken = default) =>
            Inner.ListReviewAsync(tenant, limit, beforeId, cancellationToken);

        public Task<bool> IsProcessedAsync(string key, CancellationToken cancellationToken = default) => Inner.IsProcessedAsync(key, cancellationToken);

        public Task<long> GetCursorAsync(string cursor, CancellationToken cancellationToken = default) => Inner.GetCursorAsync(cursor, cancellationToken);
    }
}
