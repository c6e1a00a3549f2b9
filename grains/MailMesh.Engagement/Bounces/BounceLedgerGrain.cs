using MailMesh.Grains.Contacts;
using MailMesh.Grains.Engagement;
using MailMesh.Runtime;
using Microsoft.Extensions.Options;

namespace MailMesh.Engagement.Bounces;

/// <summary>One contact's bounce ledger (<see cref="IBounceLedgerGrain"/>). Each notice is written with its event
/// (<c>message.bounced</c> or <c>message.complained</c>) and the contact change it decided in one state write; the
/// change is then made through the contact grain (which emits <c>contact.suppressed</c>) and cleared. A crash in between
/// leaves the change pending, and the next call or activation makes it: nothing is lost or counted twice.</summary>
public sealed class BounceLedgerGrain(
    [PersistentState("bounces")] IPersistentState<BounceLedgerState> state,
    IOptions<BounceOptions> options) : Grain, IBounceLedgerGrain
{
    private string Address => GrainKey[(GrainKey.IndexOf(":", StringComparison.Ordinal) + 1)..];

    /// <inheritdoc />
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.State.Pending is not null)
        {
            await ApplyPendingAsync();
        }
    }

    /// <inheritdoc />
    public async Task<BounceOutcome> Record(BounceNotice notice)
    {
        ArgumentNullException.ThrowIfNull(notice);
        ArgumentException.ThrowIfNullOrWhiteSpace(notice.NoticeId);
        if (notice.Kind is not (BounceKind.HardBounce or BounceKind.SoftBounce or BounceKind.Complaint))
        {
            throw new ArgumentException($"Only hard bounces, soft bounces and complaints are recorded, not {notice.Kind}.", nameof(notice));
        }

        var s = state.State;
        var now = TimeProvider.GetUtcNow();
        var window = options.Value.SoftBounceWindow;
        s.RecentSoftBounces.RemoveAll(t => t < now - window);
        if (s.Notices.Contains(notice.NoticeId))
        {
            if (s.Pending is not null)
            {
                await ApplyPendingAsync();
            }

            return new BounceOutcome(true, false, false, s.RecentSoftBounces.Count);
        }

        s.Address = Address;
        s.Notices.Add(notice.NoticeId);
        if (s.Notices.Count > BounceLedgerState.MaxRememberedNotices)
        {
            s.Notices.RemoveRange(0, s.Notices.Count - BounceLedgerState.MaxRememberedNotices);
        }

        s.LastReason = notice.Reason;
        s.LastDiagnostic = Trim(notice.Diagnostic);
        var reason = BounceNames.Reason(notice.Reason);
        PendingContactAction? action = null;
        switch (notice.Kind)
        {
            case BounceKind.HardBounce:
                s.HardBounces++;
                RaiseEvent("message.bounced", ContactKey, new
                {
                    address = Address, campaignId = notice.CampaignId, sendId = notice.SendId, type = "hard", reason, status = notice.Status,
                    diagnostic = s.LastDiagnostic, source = notice.Source, noticeId = notice.NoticeId,
                });
                action = new PendingContactAction { Action = "suppress", Reason = SuppressionReason.HardBounced, Detail = Detail(notice) };
                break;
            case BounceKind.SoftBounce:
                s.SoftBounces++;
                s.RecentSoftBounces.Add(notice.At > now ? now : notice.At);
                RaiseEvent("message.bounced", ContactKey, new
                {
                    address = Address, campaignId = notice.CampaignId, sendId = notice.SendId, type = "soft", reason, status = notice.Status,
                    diagnostic = s.LastDiagnostic, source = notice.Source, noticeId = notice.NoticeId, softBouncesInWindow = s.RecentSoftBounces.Count,
                });
                var limit = options.Value.SoftBounceLimit;
                if (limit > 0 && s.RecentSoftBounces.Count >= limit)
                {
                    action = new PendingContactAction
                    {
                        Action = "suppress", Reason = SuppressionReason.HardBounced,
                        Detail = Trim($"{s.RecentSoftBounces.Count} soft bounces within {window.TotalDays:0.#} days; last: {Detail(notice)}"),
                    };
                }

                break;
            default:
                s.Complaints++;
                RaiseEvent("message.complained", ContactKey, new
                {
                    address = Address, campaignId = notice.CampaignId, sendId = notice.SendId, feedbackType = notice.FeedbackType ?? "abuse",
                    source = notice.Source, noticeId = notice.NoticeId,
                });
                action = string.Equals(notice.FeedbackType, "opt-out", StringComparison.OrdinalIgnoreCase)
                    ? new PendingContactAction { Action = "unsubscribe", Detail = Trim("opt-out feedback report" + (notice.CampaignId is null ? "" : " for campaign " + notice.CampaignId)) }
                    : new PendingContactAction { Action = "suppress", Reason = SuppressionReason.Complained, Detail = Trim($"{notice.FeedbackType ?? "abuse"} complaint" + (notice.CampaignId is null ? "" : " about campaign " + notice.CampaignId)) };
                break;
        }

        s.Pending = action;
        await state.WriteStateAsync();
        if (action is not null)
        {
            await ApplyPendingAsync();
        }

        return new BounceOutcome(false, action?.Action == "suppress", action?.Action == "unsubscribe", s.RecentSoftBounces.Count);
    }

    /// <inheritdoc />
    public Task<BounceLedgerSummary?> Get()
    {
        var s = state.State;
        return Task.FromResult(state.RecordExists
            ? new BounceLedgerSummary(s.HardBounces, s.SoftBounces, s.Complaints, [.. s.RecentSoftBounces], s.LastReason, s.LastDiagnostic)
            : null);
    }

    private string ContactKey => ContactAddress.KeyFor(GrainId.Tenant, Address);

    private async Task ApplyPendingAsync()
    {
        var pending = state.State.Pending!;
        var contact = GrainFactory.GetGrain<IContactGrain>(ContactKey);
        if (pending.Action == "unsubscribe")
        {
            await contact.Unsubscribe("*", "complaint", pending.Detail);
        }
        else
        {
            await contact.Suppress(pending.Reason, pending.Detail);
        }

        state.State.Pending = null;
        await state.WriteStateAsync();
    }

    private static string Detail(BounceNotice notice) =>
        Trim(string.Join(' ', new[] { BounceNames.Reason(notice.Reason), notice.Status, notice.Diagnostic }.Where(p => !string.IsNullOrWhiteSpace(p))))!;

    private static string? Trim(string? text) => text is { Length: > 900 } ? text[..900] : text;
}
