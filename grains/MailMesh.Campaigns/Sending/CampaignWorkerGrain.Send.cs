using System.Diagnostics;
using MailMesh.Campaigns.Composition;
using MailMesh.Campaigns.SendLog;
using MailMesh.Campaigns.Templates;
using MailMesh.Grains.Campaigns;
using MailMesh.Grains.Contacts;
using MailMesh.Protocols.Smtp;

namespace MailMesh.Campaigns.Sending;

public sealed partial class CampaignWorkerGrain
{
    /// <summary>Lists the shard's next due records, re-reads their contacts together and prepares each in order (skip,
    /// postpone, throttle, compose) until a throttle or the turn limit says wait (docs/adr/campaigns-05-batched-send-log.md).
    /// Nothing is claimed: <see cref="SendPreparedAsync"/> claims and sends what is ready.</summary>
    private async Task<PreparedBatch> PrepareBatchAsync(CampaignWork work, CancellationToken cancellationToken)
    {
        var started = TimeProvider.GetTimestamp();
        var due = await sendLog.ListDueAsync(work.Tenant, work.CampaignId, work.Shard, TimeProvider.GetUtcNow(), BatchSize, cancellationToken);
        var ready = new List<Prepared>(due.Count);
        if (due.Count == 0)
        {
            return new PreparedBatch(work, ready, 0, null);
        }

        var stage = Stopwatch.GetTimestamp();
        var versions = new string?[due.Count];
        var contacts = await ReadContactsAsync(work.Tenant, due, versions);
        stage = CampaignMetrics.Stage("contacts", stage);
        TimeSpan? wake = null;
        for (var i = 0; i < due.Count && _running && _problem is null; i++)
        {
            if (TimeProvider.GetElapsedTime(started) > _options.MaxTurn)
            {
                wake = TimeSpan.Zero;
                break;
            }

            var (message, wait) = await PrepareAsync(work, due[i], contacts[i]);
            if (wait is not null)
            {
                wake = wait;
                break;
            }

            if (message is not null)
            {
                ready.Add(new Prepared(due[i], message, versions[i]));
            }
        }

        CampaignMetrics.Stage("compose", stage);
        return new PreparedBatch(work, ready, due.Count, wake);
    }

    /// <summary>A batch prepared in an earlier turn, while the batch before it was sent: just before its claim, each
    /// contact written since its preparation is read again, and a recipient deleted, suppressed or taken off the list
    /// meanwhile is skipped as preparation would have skipped it (docs/adr/campaigns-17-prepare-while-sending.md).</summary>
    private async Task<PreparedBatch> RecheckAsync(PreparedBatch batch)
    {
        var work = batch.Work;
        var stage = Stopwatch.GetTimestamp();
        var changed = await ChangedContactsAsync(work.Tenant, batch.Ready);
        if (changed.Count == 0)
        {
            CampaignMetrics.Stage("recheck", stage);
            return batch;
        }

        var contacts = await ReadContactsAsync(work.Tenant, changed.ConvertAll(i => batch.Ready[i].Record), versions: null);
        CampaignMetrics.Stage("recheck", stage);
        var now = TimeProvider.GetUtcNow();
        var skipped = new HashSet<int>();
        for (var j = 0; j < changed.Count; j++)
        {
            if (SuppressionReason(contacts[j], work.Definition.List) is { } reason)
            {
                await SkipSuppressedAsync(work, batch.Ready[changed[j]].Record, contacts[j], reason, now);
                skipped.Add(changed[j]);
            }
        }

        if (skipped.Count == 0)
        {
            return batch;
        }

        var kept = new List<Prepared>(batch.Ready.Count - skipped.Count);
        for (var i = 0; i < batch.Ready.Count; i++)
        {
            if (!skipped.Contains(i))
            {
                kept.Add(batch.Ready[i]);
            }
        }

        return batch with { Ready = kept };
    }

    /// <summary>The positions in <paramref name="ready"/> whose contact may have changed since it was read: those whose
    /// stored version differs, where the grain store keeps versions; else all.</summary>
    private async Task<List<int>> ChangedContactsAsync(string tenant, List<Prepared> ready)
    {
        var changed = new List<int>();
        if (_storedContacts is null)
        {
            for (var i = 0; i < ready.Count; i++)
            {
                changed.Add(i);
            }

            return changed;
        }

        var addresses = new string[ready.Count];
        var versions = new string?[ready.Count];
        for (var i = 0; i < ready.Count; i++)
        {
            addresses[i] = ready[i].Record.ContactAddress;
            versions[i] = ready[i].ContactVersion;
        }

        var flags = await _storedContacts.ChangedAsync(tenant, addresses, versions);
        for (var i = 0; i < flags.Length; i++)
        {
            if (flags[i])
            {
                changed.Add(i);
            }
        }

        return changed;
    }

    /// <summary>The batch's contacts as stored now, read together: from the grain store in one query where it can (with
    /// each contact's version in <paramref name="versions"/> when given), else through their grains.</summary>
    private async Task<IReadOnlyList<ContactInfo?>> ReadContactsAsync(string tenant, IReadOnlyList<SendRecord> due, string?[]? versions)
    {
        if (_storedContacts is not null)
        {
            var addresses = new string[due.Count];
            for (var i = 0; i < addresses.Length; i++)
            {
                addresses[i] = due[i].ContactAddress;
            }

            return await _storedContacts.GetManyAsync(tenant, addresses, versions);
        }

        return await Task.WhenAll(due.Select(r => GrainFactory.GetGrain<IContactGrain>(ContactAddress.KeyFor(tenant, r.ContactAddress)).Get()));
    }

    /// <summary>Re-checks one record against its contact, its send window and the throttles, then composes its message.
    /// Returns the message, or nothing (skipped, postponed, failed), or how long a throttle says to wait.</summary>
    private async Task<(ComposedMessage? Message, TimeSpan? Wait)> PrepareAsync(CampaignWork work, SendRecord record, ContactInfo? contact)
    {
        var definition = work.Definition;
        var now = TimeProvider.GetUtcNow();
        if (SuppressionReason(contact, definition.List) is { } reason)
        {
            await SkipSuppressedAsync(work, record, contact, reason, now);
            return (null, null);
        }

        var zone = contact!.Attributes.TryGetValue("time_zone", out var tz) ? TemplateLocales.FindZone(tz.String) ?? _zone! : _zone!;
        var allowed = _calendar!.NextAllowed(now, zone, SendSpread.Offset(record.SendId, definition.SpreadMinutes));
        if (allowed > now)
        {
            await sendLog.PostponeAsync(work.Tenant, record.SendId, allowed, now);
            CampaignMetrics.Postpone();
            return (null, null);
        }

        var wait = _throttle!.TryTake(SendSpread.Domain(contact.Address), now);
        if (wait > TimeSpan.Zero)
        {
            CampaignMetrics.Throttled(wait);
            return (null, wait);
        }

        try
        {
            return (await composer.ComposeAsync(new ComposeRequest(
                work.Tenant, work.CampaignId, work.Template, definition.Sender, contact, contact.DisplayAddress, definition.List, record.SendId,
                definition.TimeZone, now, definition.Track)), null);
        }
        catch (TemplateException e)
        {
            // The template cannot make any message: stop this shard; the campaign pauses with the reason.
            _problem = $"template '{work.Template.Name}' does not compile: {e.Message}";
            return (null, null);
        }
        catch (ArgumentException e)
        {
            if (await sendLog.SkipAsync(work.Tenant, record.SendId, SendStatus.Failed, "cannot compose the message: " + e.Message, now))
            {
                Outcome(work, record, "message.failed", null, 0, null, "cannot compose the message: " + e.Message, record.Attempts, null);
            }

            return (null, null);
        }
    }

    private async Task SkipSuppressedAsync(CampaignWork work, SendRecord record, ContactInfo? contact, string reason, DateTimeOffset now)
    {
        if (await sendLog.SkipAsync(work.Tenant, record.SendId, SendStatus.Suppressed, reason, now))
        {
            state.State.Suppressed++;
            _dirty = true;
            CampaignMetrics.Skip(contact, work.Definition.List);
        }
    }

    /// <summary>Record, then send: the claim of the whole batch commits before any of its messages leaves, and a claimed
    /// record is never claimed again, whatever happens to its submission. Outcomes are recorded in one commit per group
    /// of replies (those in within <see cref="OutcomeFlushInterval"/> of the first reply still open). While the relay has
    /// the batch, the next one is prepared beside it, unclaimed, and returned for the next turn
    /// (docs/adr/campaigns-17-prepare-while-sending.md).</summary>
    private async Task<PreparedBatch?> SendPreparedAsync(PreparedBatch batch, CancellationToken cancellationToken)
    {
        var (work, ready, _, _) = batch;
        var stage = Stopwatch.GetTimestamp();
        var claims = new SendClaim[ready.Count];
        for (var i = 0; i < ready.Count; i++)
        {
            claims[i] = SendClaim.Of(ready[i].Record, ready[i].Message.MessageId);
        }

        // The claim is not cut short by the turn's cancellation: once begun, it commits and its messages go out.
        var claimed = await sendLog.TryMarkSendingAsync(work.Tenant, claims, TimeProvider.GetUtcNow(), CancellationToken.None);
        stage = CampaignMetrics.Stage("claim", stage);
        var submitted = 0;
        for (var i = 0; i < ready.Count; i++)
        {
            submitted += claimed[i] ? 1 : 0;
        }

        var replies = new ReplyGroups<Submitted>(submitted, TimeProvider, OutcomeFlushInterval, Reply);
        for (var i = 0; i < ready.Count; i++)
        {
            if (claimed[i])
            {
                Submit(ready[i], replies);
            }
        }

        // Only a full batch that nothing stopped has a next one to prepare. Its records are listed after this batch's
        // claim has committed, so none of this batch's is among them.
        var following = submitted > 0 && batch.Wake is null && batch.Due >= BatchSize && _running && _problem is null
            ? PrepareBatchAsync(work, cancellationToken)
            : null;
        var recording = RecordRepliesAsync(work, replies, stage);
        if (following is null)
        {
            await recording;
            return null;
        }

        // Both finish before the turn goes on: a failure of either ends the turn with this batch recorded as far as it got.
        await Task.WhenAll(recording, following);
        return await following;
    }

    /// <summary>Records the replies of a submitted batch in groups as they come in: one commit for the whole batch when
    /// the relay answers quickly, and a slow reply never holds the others' outcomes back longer than the flush interval.</summary>
    private async Task RecordRepliesAsync(CampaignWork work, ReplyGroups<Submitted> replies, long stage)
    {
        using (replies)
        {
            while (replies.HasMore)
            {
                var group = await replies.NextAsync();
                stage = CampaignMetrics.Stage("submit", stage);
                await RecordAsync(work, group);
                stage = CampaignMetrics.Stage("record", stage);
            }
        }
    }

    /// <summary>Hands one claimed message to the relay; its outcome reaches <paramref name="replies"/> on the thread
    /// that finishes it.</summary>
    private void Submit(Prepared prepared, ReplyGroups<Submitted> replies)
    {
        var (record, message, _) = prepared;
        submitter.Submit(
            new MailSubmission(message.EnvelopeFrom, [message.Recipient], message.Content)
            {
                EnvelopeId = record.SendId.ToString(),
                ReturnHeadersOnly = true,
                Notify = DsnNotify.Failure | DsnNotify.Delay,
                RequiresSmtpUtf8 = message.RequiresSmtpUtf8,
            },
            replies,
            new InFlight(prepared, CampaignMetrics.StartSubmission()));
    }

    /// <summary>Records a group of replies in one commit, then counts them and raises their events.</summary>
    private async Task RecordAsync(CampaignWork work, List<Submitted> replies)
    {
        var now = TimeProvider.GetUtcNow();
        var decided = new List<(Submitted Reply, SendCompletion Completion, string Type)>(replies.Count);
        foreach (var reply in replies)
        {
            var (record, _, outcome, _) = reply;
            var attempts = record.Attempts + 1;
            switch (outcome.Status)
            {
                case SubmissionStatus.Accepted:
                    decided.Add((reply, SendCompletion.Of(record, SendStatus.Sent, outcome.Code, outcome.Reply, null), "message.sent"));
                    break;
                case SubmissionStatus.Deferred:
                    // Every earlier attempt of a record that is still open was a deferral, so the attempts count the deferrals.
                    var first = record.Status == SendStatus.Deferred ? await sendLog.FirstDeferredAtAsync(work.Tenant, record.SendId) ?? now : now;
                    var decision = _deferral!.Decide(first, attempts, $"{outcome.Code} {outcome.Reply}");
                    decided.Add(decision.GiveUp
                        ? (reply, SendCompletion.Of(record, SendStatus.Failed, outcome.Code, decision.Reason, null), "message.failed")
                        : (reply, SendCompletion.Of(record, SendStatus.Deferred, outcome.Code, outcome.Reply, decision.RetryAt), "message.deferred"));
                    break;
                default:
                    decided.Add((reply, SendCompletion.Of(record, SendStatus.Failed, outcome.Code, outcome.Reply, null), "message.failed"));
                    break;
            }
        }

        var missed = await sendLog.CompleteAsync(work.Tenant, decided.ConvertAll(d => d.Completion), now);
        foreach (var sendId in missed)
        {
            CampaignLog.OutcomeNotRecorded(logger, sendId.ToString());
        }

        foreach (var (reply, completion, type) in decided)
        {
            var (record, messageId, outcome, relay) = reply;
            if (!missed.Contains(completion.SendId))
            {
                Count(completion.Status);
                Outcome(work, record, type, messageId, outcome.Code, outcome.EnhancedCode, completion.Reply, record.Attempts + 1, relay, completion.NextAttemptAt);
            }

            if (outcome.Status == SubmissionStatus.Accepted)
            {
                _refusals = 0;
                continue;
            }

            _refusals++;
            if (_options.PauseAfterConsecutiveRefusals > 0 && _refusals >= _options.PauseAfterConsecutiveRefusals)
            {
                _problem = $"the relay refused or deferred the last {_refusals} messages and accepted none (last reply: {outcome.Code} {outcome.Reply})";
            }
        }
    }

    private void Count(SendStatus status)
    {
        switch (status)
        {
            case SendStatus.Sent:
                state.State.Sent++;
                break;
            case SendStatus.Deferred:
                state.State.Deferred++;
                break;
            default:
                state.State.Failed++;
                break;
        }
    }

    private void Outcome(
        CampaignWork work, SendRecord record, string type, string? messageId, int code, string? enhancedCode, string? reply, int attempts, string? relay,
        DateTimeOffset? nextAttemptAt = null)
    {
        _dirty = true;
        CampaignMetrics.Ended(type);
        RaiseEvent(type, work.Tenant + "/" + work.CampaignId, new
        {
            campaign = work.CampaignId,
            contact = record.ContactAddress,
            send_id = record.SendId.ToString(),
            message_id = messageId,
            code,
            enhanced_code = enhancedCode,
            reply,
            attempts,
            relay,
            next_attempt_at = nextAttemptAt,
        });
    }

    private static string? SuppressionReason(ContactInfo? contact, string? list)
    {
        if (contact is null)
        {
            return "the contact no longer exists";
        }

        if (contact.Suppressions.FirstOrDefault(s => s.Scope == "*" || s.Scope == list) is { } suppression)
        {
            return $"suppressed ({suppression.Reason.ToString().ToLowerInvariant()}, {(suppression.Scope == "*" ? "all mail" : "list " + suppression.Scope)})";
        }

        return list is not null && !contact.MailableFor(list) ? $"not a member of list '{list}'" : null;
    }

    /// <summary>Longest the outcomes of replies already in wait for the rest of their batch before they are recorded.</summary>
    private static readonly TimeSpan OutcomeFlushInterval = TimeSpan.FromMilliseconds(200);

    /// <summary>A shard's batch as prepared: the records composed and ready to claim, how many were due (a full batch
    /// means more may be), and how long to wait before the next when a throttle or the turn limit stopped it.</summary>
    private sealed record PreparedBatch(CampaignWork Work, List<Prepared> Ready, int Due, TimeSpan? Wake);

    /// <summary>A record whose message is composed and may be claimed, and the version of the contact it was composed
    /// from (null where the grain store keeps none).</summary>
    private sealed record Prepared(SendRecord Record, ComposedMessage Message, string? ContactVersion);

    /// <summary>A claimed record and the relay's answer to its message.</summary>
    private sealed record Submitted(SendRecord Record, string MessageId, RecipientOutcome Outcome, string Relay);
}
