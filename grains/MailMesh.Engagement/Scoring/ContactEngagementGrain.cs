using MailMesh.Engagement.Classification;
using MailMesh.Grains.Campaigns;
using MailMesh.Grains.Contacts;
using MailMesh.Grains.Engagement;
using MailMesh.Runtime;
using Microsoft.Extensions.Options;

namespace MailMesh.Engagement.Scoring;

/// <summary>One contact's engagement history: the single writer of its counts, which it scores and writes to the contact
/// grain. Each hit is an event (<c>message.opened</c>, <c>message.clicked</c>) written with the state that counts it.</summary>
public sealed partial class ContactEngagementGrain(
    [PersistentState("engagement")] IPersistentState<ContactEngagementState> state,
    IOptions<EngagementOptions> options,
    IOptions<ClassificationOptions> classification) : Grain, IContactEngagementGrain
{
    private const string KeyInfix = "/engagement:";
    private readonly EngagementScorer _scorer = new(options.Value);

    private string Tenant => GrainId.Tenant;

    private string Address => GrainKey[(GrainId.Tenant.Length + KeyInfix.Length)..];

    private IContactGrain Contact => GrainFactory.GetGrain<IContactGrain>(Tenant + "/" + Address);

    /// <inheritdoc />
    public async Task<RecordResult> Record(TrackedHits hits)
    {
        ArgumentNullException.ThrowIfNull(hits);
        if (!GrainKey.AsSpan(GrainId.Tenant.Length).StartsWith(KeyInfix, StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{GrainKey}' is not an engagement key; use EngagementKeys.Contact(tenant, address).");
        }

        if (hits.HandOver > 0 && state.State.HandOvers.Contains(hits.HandOver))
        {
            // Counted before: the writer hands a hand-over over again when it could not close it.
            return new RecordResult(true, [], state.RecordExists ? Summary(state.State) : null);
        }

        // The turn works on a copy, taken over once the contact is known to exist: a deleted or erased contact's hits
        // change nothing here and leave no event.
        var s = state.State.Copy();
        var outcomes = new List<HitOutcome>(hits.Count);
        var address = Address;
        var subject = Tenant + "/" + address;
        // A batch is nearly always of one campaign: its send id (a SHA-256) is made once, not per hit.
        (string Campaign, string SendId) send = (string.Empty, string.Empty);
        var events = new List<(string Type, object Payload)>(hits.Count);
        // A turn of a few hits (hits spread over many contacts) looks each up in the list rather than hashing every
        // remembered id first; the list holds the turn's earlier hits too.
        var seen = hits.Count > 4 ? new HashSet<Guid>(s.RecentIds) : null;
        foreach (var hit in hits)
        {
            if (hit.Kind is not (HitKind.Open or HitKind.Click) || (seen is null ? s.RecentIds.Contains(hit.Id) : !seen.Add(hit.Id)))
            {
                continue;
            }

            if (!state.RecordExists && s.RecentIds.Count == 0 && s.RawOpens == 0 && s.RawClicks == 0)
            {
                s.FirstSeenAt = hit.IssuedAt;
            }
            else if (hit.IssuedAt < s.FirstSeenAt)
            {
                s.FirstSeenAt = hit.IssuedAt;
            }

            var (machine, reason) = hit.Kind == HitKind.Click ? ApplyBurst(s, hit, outcomes) : (hit.Machine, hit.Reason);
            Count(s, hit, machine);
            s.RecentIds.Add(hit.Id);
            outcomes.Add(new HitOutcome(hit.Id, machine, reason));
            if (send.Campaign != hit.CampaignId)
            {
                send = (hit.CampaignId, SendId.For(Tenant, hit.CampaignId, address).ToString());
            }

            events.Add((hit.Kind == HitKind.Open ? "message.opened" : "message.clicked", new
            {
                address,
                campaign = hit.CampaignId,
                send_id = send.SendId,
                link = hit.Kind == HitKind.Click ? hit.LinkIndex : (int?)null,
                url = hit.Url,
                machine,
                classification = machine ? "machine" : "human",
                reason,
                at = hit.At,
            }));
        }

        if (outcomes.Count == 0)
        {
            // Every hit was counted before (a hand-over handed over again): the contact existed then.
            return new RecordResult(true, outcomes, state.RecordExists ? Summary(state.State) : null);
        }

        if (hits.HandOver > 0)
        {
            s.HandOvers.Add(hits.HandOver);
        }

        Forget(s);
        var summary = Summary(s);
        if (!await WriteContactAsync(s, summary))
        {
            return new RecordResult(false, []);
        }

        state.State = s;
        foreach (var (type, payload) in events)
        {
            RaiseEvent(type, subject, payload);
        }

        await state.WriteStateAsync();
        return new RecordResult(true, outcomes, summary);
    }

    /// <inheritdoc />
    public async Task FormSubmitted(string formId, string campaignId, IReadOnlyList<string> fields, string? ip)
    {
        ArgumentException.ThrowIfNullOrEmpty(formId);
        ArgumentException.ThrowIfNullOrEmpty(campaignId);
        ArgumentNullException.ThrowIfNull(fields);
        if (!state.RecordExists)
        {
            state.State.FirstSeenAt = TimeProvider.GetUtcNow();
        }

        RaiseEvent("form.submitted", Tenant + "/" + Address, new { address = Address, form = formId, campaign = campaignId, fields, ip });
        await state.WriteStateAsync();
    }

    /// <inheritdoc />
    public async Task<EngagementSummary?> Rescore()
    {
        if (!state.RecordExists)
        {
            return null;
        }

        var s = state.State;
        var summary = Summary(s);
        if (summary.Status != EngagementStatus.Dormant)
        {
            s.DormantActionApplied = false;
        }
        else if (!s.DormantActionApplied && options.Value.DormantAction != DormantAction.None)
        {
            await ApplyDormantActionAsync(summary);
            s.DormantActionApplied = true;
        }

        await WriteAsync(summary);
        return summary;
    }

    /// <inheritdoc />
    public Task<EngagementSummary?> Get() => Task.FromResult(state.RecordExists ? Summary(state.State) : null);

    private EngagementSummary Summary(ContactEngagementState s)
    {
        return _scorer.Score(s.Days, s.LastOpenAt, s.LastClickAt, s.RawOpens, s.RawClicks, s.HumanOpens, s.HumanClicks, s.FirstSeenAt, TimeProvider.GetUtcNow());
    }

    /// <summary>Writes the state, then the contact's engagement unless the contact already holds exactly that (a turn of
    /// machine hits changes no human count, and the score moves by the day): one grain call and one contact write fewer
    /// per such turn.</summary>
    private async Task WriteAsync(EngagementSummary summary)
    {
        var s = state.State;
        var engagement = new ContactEngagement(summary.LastOpenAt, summary.LastClickAt, summary.HumanOpens, summary.HumanClicks, summary.Score, summary.Status);
        s.Status = summary.Status;
        if (engagement == s.Written)
        {
            await state.WriteStateAsync();
            return;
        }

        // Forgotten before the write: if the contact's write fails, the next turn writes it again.
        s.Written = null;
        await state.WriteStateAsync();
        try
        {
            await Contact.SetEngagement(engagement);
            s.Written = engagement;
        }
        catch (ContactNotFoundException)
        {
            // Deleted or erased since: the history stays here, nothing more to write.
        }
    }

    /// <summary>A turn's write to the contact before its own: the engagement when it differs from what the contact holds,
    /// else only the question whether the contact exists. False when it does not (deleted or erased since the message
    /// was sent); a turn that counts human hits makes one contact call instead of two. When this throws, the turn wrote
    /// nothing and its hits are handed over again.</summary>
    private async Task<bool> WriteContactAsync(ContactEngagementState s, EngagementSummary summary)
    {
        var engagement = new ContactEngagement(summary.LastOpenAt, summary.LastClickAt, summary.HumanOpens, summary.HumanClicks, summary.Score, summary.Status);
        s.Status = summary.Status;
        if (engagement == s.Written)
        {
            return await Contact.Get() is not null;
        }

        try
        {
            await Contact.SetEngagement(engagement);
        }
        catch (ContactNotFoundException)
        {
            // An activation that found no contact may predate a bulk import that created it: Get reads it again.
            if (await Contact.Get() is null)
            {
                return false;
            }

            await Contact.SetEngagement(engagement);
        }

        s.Written = engagement;
        return true;
    }

    private async Task ApplyDormantActionAsync(EngagementSummary summary)
    {
        var since = (summary.LastOpenAt, summary.LastClickAt) switch
        {
            (null, null) => summary.FirstSeenAt,
            ({ } o, null) => o,
            (null, { } c) => c,
            ({ } o, { } c) => o > c ? o : c,
        };
        try
        {
            if (options.Value.DormantAction == DormantAction.Suppress)
            {
                await Contact.Suppress(SuppressionReason.Manual, $"engagement: dormant, no human open or click since {since:yyyy-MM-dd}");
            }
            else
            {
                await Contact.Update(new ContactChange(AddLists: [options.Value.RepermissionList], Source: "engagement:dormant"));
            }
        }
        catch (ContactNotFoundException)
        {
            // Deleted since the last hit: nothing to suppress.
        }
    }
}
