using MailMesh.Relays.Internal;
using MailMesh.Runtime;
using MailMesh.Runtime.Storage;
using Microsoft.Extensions.Logging;

namespace MailMesh.Relays.Webhooks;

/// <summary>Delivers one subscription's events in log order (so per subject too), one at a time: each event is
/// retried with exponential backoff and jitter until it is delivered or given up (dead-lettered), and only then is
/// the durable position advanced. A crash between a delivery and its position write repeats that one event; the
/// receiver deduplicates by event id (at-least-once).</summary>
internal sealed class WebhookSubscriptionWorker(
    WebhookSubscriptionInfo subscription, IGrainFactory grains, IEventLog log, WebhookSender sender,
    WebhookRelayOptions options, TimeProvider time, ILogger logger)
{
    private readonly IWebhookSubscriptionsGrain _grain = grains.GetGrain<IWebhookSubscriptionsGrain>(WebhookSubscriptionsGrain.KeyFor(subscription.Tenant));
    private readonly EventFilter _filter = new(subscription.Tenant);
    private long _position = subscription.Position;

    public WebhookSubscriptionInfo Subscription => subscription;

    /// <summary>Runs until cancelled; never throws otherwise (store errors are logged and retried).</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await StepAsync(cancellationToken).ConfigureAwait(false);
                failures = 0;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                failures++;
                Log.WebhookWorkerFailed(logger, subscription.Id, subscription.Tenant, e);
                await Task.Delay(Backoff(failures, null), time, cancellationToken).ConfigureAwait(false);
            }
        }

        RelayDiagnostics.Forget(this);
    }

    private async Task StepAsync(CancellationToken cancellationToken)
    {
        foreach (var sequence in await _grain.TakeReplays(subscription.Id).ConfigureAwait(false))
        {
            var replayed = await log.ReadAsync(sequence, 1, _filter, cancellationToken).ConfigureAwait(false);
            if (replayed.Count == 1 && replayed[0].Sequence == sequence)
            {
                await DeliverAsync(replayed[0], advance: false, cancellationToken).ConfigureAwait(false);
            }
        }

        var last = await log.GetLastSequenceAsync(cancellationToken).ConfigureAwait(false);
        RelayDiagnostics.Report(this, "webhook", _position, last);
        if (last <= _position)
        {
            await log.WaitOrPollAsync(_position, cancellationToken).ConfigureAwait(false);
            return;
        }

        var batch = await log.ReadAsync(_position + 1, options.BatchSize, _filter, cancellationToken).ConfigureAwait(false);
        foreach (var record in batch)
        {
            if (subscription.Matches(record.Type))
            {
                await DeliverAsync(record, advance: true, cancellationToken).ConfigureAwait(false);
            }

            _position = record.Sequence;
        }

        // A short batch saw every event up to 'last' (others' tenants' and filtered types included): skip past them.
        var seen = batch.Count == options.BatchSize ? _position : Math.Max(_position, last);
        if (seen > _position || batch.Count > 0)
        {
            _position = seen;
            await _grain.Advance(subscription.Id, _position).ConfigureAwait(false);
        }

        RelayDiagnostics.Report(this, "webhook", _position, last);
    }

    private async Task DeliverAsync(EventRecord record, bool advance, CancellationToken cancellationToken)
    {
        var body = WebhookSender.Body(record);
        for (var attempt = 1; ; attempt++)
        {
            var result = await sender.SendAsync(subscription.Url, subscription.Secret, record, body, cancellationToken).ConfigureAwait(false);
            if (result.Kind == WebhookAttemptKind.Delivered)
            {
                RelayDiagnostics.CountOutcome("delivered");
                if (advance)
                {
                    await _grain.Advance(subscription.Id, record.Sequence).ConfigureAwait(false);
                }

                return;
            }

            if (result.Kind == WebhookAttemptKind.Permanent || attempt >= options.MaxAttempts)
            {
                RelayDiagnostics.CountOutcome("dead_lettered");
                Log.WebhookDeadLettered(logger, subscription.Id, subscription.Tenant, record.EventId, record.Type, attempt, result.Reason);
                await _grain.DeadLetter(subscription.Id,
                    new WebhookDeadLetterInfo(record.Sequence, record.EventId, record.Type, record.Subject, attempt, result.Reason, time.GetUtcNow())).ConfigureAwait(false);
                return;
            }

            RelayDiagnostics.CountOutcome("retried");
            var delay = Backoff(attempt, result.RetryAfter);
            Log.WebhookRetry(logger, subscription.Id, record.EventId, attempt, result.Reason, delay);
            await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Exponential backoff with jitter (half to all of the computed wait); a receiver's Retry-After wins when
    /// longer, both capped at MaxBackoff.</summary>
    private TimeSpan Backoff(int attempt, TimeSpan? retryAfter)
    {
        var exponential = options.InitialBackoff.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 30));
        var capped = Math.Min(exponential, options.MaxBackoff.TotalMilliseconds);
        var jittered = TimeSpan.FromMilliseconds(capped * (0.5 + (Random.Shared.NextDouble() * 0.5)));
        if (retryAfter is { } wanted && wanted > jittered)
        {
            jittered = wanted;
        }

        return jittered > options.MaxBackoff ? options.MaxBackoff : jittered;
    }
}
