using MailMesh.Engagement.Bounces;
using MailMesh.Runtime;
using MailMesh.Runtime.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace MailMesh.Engagement.Tests.Bounces;

/// <summary>A bounce mailbox's message committed while the reader is between its filtered read and its look at the log's
/// last sequence: the reader must still process it, not move its cursor past it.</summary>
public sealed class BounceReaderRaceTests : IAsyncLifetime
{
    private const string Mailbox = "acme/bounces";
    private InterleavingEventLog _log = null!;
    private BounceSilo _silo = null!;

    public async Task InitializeAsync() => _silo = await BounceSilo.StartAsync(
        new Dictionary<string, string?> { ["Bounces:Mailboxes:0"] = Mailbox },
        services => services.AddSingleton(sp =>
        {
            _log = new InterleavingEventLog(sp.GetRequiredService<IEventLog>(), sp.GetRequiredService<IGrainStorage>());
            return ActivatorUtilities.CreateInstance<BounceMailboxReader>(sp, (IEventLog)_log);
        }));

    public async Task DisposeAsync() => await _silo.DisposeAsync();

    [Fact]
    public async Task Reader_MessageCommittedRightAfterAnEmptyFilteredRead_ProcessesIt()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var sequence = await _log.Committed.WaitAsync(timeout.Token);
        var reader = _silo.Silo.Services.GetRequiredService<BounceMailboxReader>();

        await reader.WaitForSequenceAsync(sequence, timeout.Token);

        Assert.True(await _silo.Store.IsProcessedAsync(InterleavingEventLog.MessageKey),
            $"the reader moved past event {sequence}, a new message of {Mailbox}, without processing it");
        var review = await _silo.Store.ListReviewAsync("acme");
        Assert.Contains(review, item => item.SourceKey == InterleavingEventLog.MessageKey);
    }

    /// <summary>The silo's event log, which commits one new message of the bounce mailbox (its blob missing, so the reader
    /// puts it up for review) right after the reader's first filtered read comes back empty, before handing it that
    /// empty answer.</summary>
    private sealed class InterleavingEventLog(IEventLog inner, IGrainStorage storage) : IEventLog
    {
        public const string MessageKey = Mailbox + "/INBOX/7/42";

        private readonly TaskCompletionSource<long> _committed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _armed = 1;

        /// <summary>The sequence of the interleaved message, once committed.</summary>
        public Task<long> Committed => _committed.Task;

        public async Task<IReadOnlyList<EventRecord>> ReadAsync(long fromSequence, int maxCount, EventFilter? filter = null, CancellationToken cancellationToken = default)
        {
            var events = await inner.ReadAsync(fromSequence, maxCount, filter, cancellationToken);
            if (events.Count == 0 && filter?.TypePrefix == "message.received" && Interlocked.Exchange(ref _armed, 0) == 1)
            {
                var draft = new EventDraft(Guid.NewGuid(), "acme", "message.received", Mailbox, DateTimeOffset.UtcNow,
                    """{"folderId":"INBOX","uidValidity":7,"uid":42,"blob":"missing/message.eml","subject":"Undelivered Mail"}""");
                var written = await storage.WriteAsync("mailbox", GrainId.Create("Mailbox", Mailbox), "{}"u8.ToArray(), null, [draft], cancellationToken);
                _committed.SetResult(written.EventSequences[0]);
            }

            return events;
        }

        public Task<long> GetLastSequenceAsync(CancellationToken cancellationToken = default) => inner.GetLastSequenceAsync(cancellationToken);

        public Task WaitForEventsAsync(long afterSequence, CancellationToken cancellationToken = default) => inner.WaitForEventsAsync(afterSequence, cancellationToken);
    }
}
