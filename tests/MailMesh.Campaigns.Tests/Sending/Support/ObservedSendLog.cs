using System.Collections.Concurrent;
using MailMesh.Campaigns.SendLog;
using MailMesh.Grains.Campaigns;

namespace MailMesh.Campaigns.Tests.Sending.Support;

/// <summary>The real send log, with a signal when a record is postponed (a send window) and when a batch of due records
/// was listed, so tests wait on that instead of polling.</summary>
public sealed class ObservedSendLog(ISendLog inner) : ISendLog
{
    private readonly ConcurrentDictionary<SendId, TaskCompletionSource<DateTimeOffset>> _postponed = new();
    private readonly ConcurrentDictionary<int, TaskCompletionSource<IReadOnlyList<SendRecord>>> _listings = new();
    private int _listed;

    /// <summary>Completes with the new due time once <paramref name="id"/> has been postponed.</summary>
    public Task<DateTimeOffset> WhenPostponed(SendId id) => Signal(id).Task;

    public async Task PostponeAsync(string tenant, SendId sendId, DateTimeOffset notBefore, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await inner.PostponeAsync(tenant, sendId, notBefore, now, cancellationToken);
        Signal(sendId).TrySetResult(notBefore);
    }

    public Task InitializeAsync(CancellationToken cancellationToken = default) => inner.InitializeAsync(cancellationToken);

    public Task<int> EnqueueAsync(string tenant, string campaignId, IReadOnlyList<PlannedSend> sends, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        inner.EnqueueAsync(tenant, campaignId, sends, now, cancellationToken);

    /// <summary>Completes with the records of the <paramref name="n"/>-th non-empty due listing (1-based) once it was read.</summary>
    public Task<IReadOnlyList<SendRecord>> WhenListed(int n) => Listing(n).Task;

    public async Task<IReadOnlyList<SendRecord>> ListDueAsync(string tenant, string campaignId, int shard, DateTimeOffset now, int limit, CancellationToken cancellationToken = default)
    {
        var due = await inner.ListDueAsync(tenant, campaignId, shard, now, limit, cancellationToken);
        if (due.Count > 0)
        {
            Listing(Interlocked.Increment(ref _listed)).TrySetResult(due);
        }

        return due;
    }

    public Task<DateTimeOffset?> NextDueAsync(string tenant, string campaignId, int shard, CancellationToken cancellationToken = default) =>
        inner.NextDueAsync(tenant, campaignId, shard, cancellationToken);

    public Task<bool> TryMarkSendingAsync(string tenant, SendId sendId, SendStatus expected, string? messageId, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        inner.TryMarkSendingAsync(tenant, sendId, expected, messageId, now, cancellationToken);

    public Task<IReadOnlyList<bool>> TryMarkSendingAsync(string tenant, IReadOnlyList<SendClaim> claims, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        inner.TryMarkSendingAsync(tenant, claims, now, cancellationToken);

    public Task<IReadOnlyList<SendId>> CompleteAsync(string tenant, IReadOnlyList<SendCompletion> outcomes, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        inner.CompleteAsync(tenant, outcomes, now, cancellationToken);

    public Task CompleteAsync(string tenant, SendId sendId, SendStatus status, int code, string? reply, DateTimeOffset? nextAttemptAt, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        inner.CompleteAsync(tenant, sendId, status, code, reply, nextAttemptAt, now, cancellationToken);

    public Task<DateTimeOffset?> FirstDeferredAtAsync(string tenant, SendId sendId, CancellationToken cancellationToken = default) =>
        inner.FirstDeferredAtAsync(tenant, sendId, cancellationToken);

    public Task<bool> SkipAsync(string tenant, SendId sendId, SendStatus status, string reason, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        inner.SkipAsync(tenant, sendId, status, reason, now, cancellationToken);

    public Task<long> CancelPendingAsync(string tenant, string campaignId, string reason, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        inner.CancelPendingAsync(tenant, campaignId, reason, now, cancellationToken);

    public Task<CampaignProgress> CountAsync(string tenant, string campaignId, CancellationToken cancellationToken = default) =>
        inner.CountAsync(tenant, campaignId, cancellationToken);

    public Task<PendingSends> CountPendingAsync(string tenant, string campaignId, CancellationToken cancellationToken = default) =>
        inner.CountPendingAsync(tenant, campaignId, cancellationToken);

    public Task<IReadOnlyList<SendRecord>> ListAsync(string tenant, string campaignId, string? after, int limit, CancellationToken cancellationToken = default) =>
        inner.ListAsync(tenant, campaignId, after, limit, cancellationToken);

    public Task<DateTimeOffset> SendingDomainFirstUseAsync(string tenant, string domain, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        inner.SendingDomainFirstUseAsync(tenant, domain, now, cancellationToken);

    public Task<SendRecord?> FindAsync(string tenant, SendId sendId, CancellationToken cancellationToken = default) => inner.FindAsync(tenant, sendId, cancellationToken);

    public Task<SendRecord?> FindAnyTenantAsync(SendId sendId, CancellationToken cancellationToken = default) => inner.FindAnyTenantAsync(sendId, cancellationToken);

    private TaskCompletionSource<IReadOnlyList<SendRecord>> Listing(int n) =>
        _listings.GetOrAdd(n, _ => new TaskCompletionSource<IReadOnlyList<SendRecord>>(TaskCreationOptions.RunContinuationsAsynchronously));

    private TaskCompletionSource<DateTimeOffset> Signal(SendId id) =>
        _postponed.GetOrAdd(id, _ => new TaskCompletionSource<DateTimeOffset>(TaskCreationOptions.RunContinuationsAsynchronously));
}
