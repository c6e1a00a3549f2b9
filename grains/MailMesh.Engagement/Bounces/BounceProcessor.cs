using MailMesh.Grains.Campaigns;
using MailMesh.Grains.Engagement;
using MailMesh.Mime;
using MailMesh.Runtime;
using Microsoft.Extensions.Logging;

namespace MailMesh.Engagement.Bounces;

/// <summary>What processing one returned message did.</summary>
/// <param name="Classification">The classification.</param>
/// <param name="Recorded">Notices recorded on contact ledgers (hard, soft, complaint), duplicates included.</param>
/// <param name="Duplicates">Notices that had been recorded before.</param>
/// <param name="Suppressed">Contacts suppressed or unsubscribed by this message.</param>
/// <param name="Reviewed">Items put on the review list (unclassified, or unmatched recipients).</param>
/// <param name="Ignored">True for auto-replies and positive delivery notifications (not bounces).</param>
public sealed record BounceProcessingResult(BounceClassification Classification, int Recorded, int Duplicates, int Suppressed, int Reviewed, bool Ignored);

/// <summary>Processes returned messages: classifies them, matches them to the campaign send through the send log, and
/// records hard and soft bounces and complaints on the contacts' bounce ledgers (which apply the suppression policy).
/// What cannot be classified or matched is kept on the review list, never dropped. Thread-safe.</summary>
public sealed partial class BounceProcessor(IGrainFactory grains, ISendLogReader sendLog, IBounceStore store, TimeProvider time, ILogger<BounceProcessor> logger)
{
    /// <summary>Processes one returned message that arrived through <paramref name="source"/> (e.g. <c>mailbox:acme/bounces</c>)
    /// under <paramref name="sourceKey"/> (its unique id there; notice ids derive from it, so processing the same
    /// message again counts nothing twice).</summary>
    public async Task<BounceProcessingResult> ProcessMessageAsync(
        string tenant, string source, string sourceKey, ReadOnlyMemory<byte> raw, string? blob = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenant);
        ArgumentException.ThrowIfNullOrEmpty(source);
        ArgumentException.ThrowIfNullOrEmpty(sourceKey);
        raw = BounceClassifier.NormalizeBareCr(raw);
        using var message = MimeMessage.Parse(raw);
        var classification = BounceClassifier.Classify(message);
        BounceMetrics.Classified(classification.Kind, source);
        var now = time.GetUtcNow();
        if (classification.Kind is BounceKind.AutoReply or BounceKind.Delivered)
        {
            LogIgnored(logger, source, sourceKey, classification.Kind);
            return new BounceProcessingResult(classification, 0, 0, 0, 0, true);
        }

        if (classification.Kind == BounceKind.Unknown)
        {
            await store.AddReviewAsync(Review(tenant, source, sourceKey, "unclassified", classification, null, message.Subject, blob, now), cancellationToken).ConfigureAwait(false);
            LogReview(logger, source, sourceKey, "unclassified");
            return new BounceProcessingResult(classification, 0, 0, 0, 1, false);
        }

        var record = await FindSendAsync(BounceMatcher.Candidates(message, classification), cancellationToken).ConfigureAwait(false);
        var relevant = classification.Recipients.Where(r => r.Kind is BounceKind.HardBounce or BounceKind.SoftBounce or BounceKind.Complaint).ToList();
        int recorded = 0, duplicates = 0, suppressed = 0, reviewed = 0;
        for (var i = 0; i < relevant.Count; i++)
        {
            var recipient = relevant[i];
            var matches = record is not null && (relevant.Count == 1 || recipient.Recipient is null
                || string.Equals(recipient.Recipient, record.ContactAddress, StringComparison.OrdinalIgnoreCase)
                || string.Equals(recipient.OriginalRecipient, record.ContactAddress, StringComparison.OrdinalIgnoreCase));
            if (!matches)
            {
                await store.AddReviewAsync(Review(tenant, source, sourceKey, "unmatched", classification, recipient, message.Subject, blob, now), cancellationToken).ConfigureAwait(false);
                LogReview(logger, source, sourceKey, "unmatched");
                reviewed++;
                continue;
            }

            var notice = new BounceNotice(
                $"{source}:{sourceKey}#{i + 1}", recipient.Kind, recipient.Reason, record!.CampaignId, record.SendId.ToString(), recipient.Status,
                recipient.Diagnostic, recipient.FeedbackType, source.Split(':')[0], now);
            var outcome = await RecordAsync(record.Tenant, record.ContactAddress, notice).ConfigureAwait(false);
            recorded++;
            duplicates += outcome.Duplicate ? 1 : 0;
            suppressed += outcome.Suppressed || outcome.Unsubscribed ? 1 : 0;
        }

        return new BounceProcessingResult(classification, recorded, duplicates, suppressed, reviewed, false);
    }

    /// <summary>Records a notice about <paramref name="address"/> in <paramref name="tenant"/> on its bounce ledger.</summary>
    public async Task<BounceOutcome> RecordAsync(string tenant, string address, BounceNotice notice)
    {
        var outcome = await grains.GetGrain<IBounceLedgerGrain>(BounceKeys.Contact(tenant, address)).Record(notice).ConfigureAwait(false);
        BounceMetrics.Recorded(notice, outcome);
        LogRecorded(logger, notice.NoticeId, notice.Kind, notice.Reason, outcome.Duplicate, outcome.Suppressed || outcome.Unsubscribed);
        return outcome;
    }

    /// <summary>Adds an item to the review list.</summary>
    public Task<long> ReviewAsync(BounceReviewItem item, CancellationToken cancellationToken = default) => store.AddReviewAsync(item, cancellationToken);

    /// <summary>The send record of the first candidate the send log knows, or null.</summary>
    public async Task<SendRecord?> FindSendAsync(IReadOnlyList<SendId> candidates, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        foreach (var id in candidates)
        {
            if (await sendLog.FindAnyTenantAsync(id, cancellationToken).ConfigureAwait(false) is { } record)
            {
                return record;
            }
        }

        return null;
    }

    private static BounceReviewItem Review(
        string tenant, string source, string key, string problem, BounceClassification c, BounceRecipient? r, string? subject, string? blob, DateTimeOffset at)
    {
        r ??= c.Recipients.FirstOrDefault();
        return new BounceReviewItem(
            0, tenant, source, key, problem, BounceNames.Kind(r?.Kind ?? c.Kind), BounceNames.Reason(r?.Reason ?? BounceReason.Undefined), r?.Recipient, r?.Status,
            r?.Diagnostic, subject is { Length: > 300 } ? subject[..300] : subject, blob, at);
    }

    [LoggerMessage(EventId = 9401, Level = LogLevel.Information, Message = "Bounce {Source} {Key}: {Kind}, not a bounce; ignored")]
    private static partial void LogIgnored(ILogger logger, string source, string key, BounceKind kind);

    [LoggerMessage(EventId = 9402, Level = LogLevel.Warning, Message = "Bounce {Source} {Key}: {Problem}; kept for review")]
    private static partial void LogReview(ILogger logger, string source, string key, string problem);

    [LoggerMessage(EventId = 9403, Level = LogLevel.Information, Message = "Bounce notice {NoticeId}: {Kind} {Reason} (duplicate {Duplicate}, suppressed {Suppressed})")]
    private static partial void LogRecorded(ILogger logger, string noticeId, BounceKind kind, BounceReason reason, bool duplicate, bool suppressed);
}
