using MailMesh.Campaigns.Composition;
using MailMesh.Grains.Campaigns;
using MailMesh.Grains.Contacts;
using MailMesh.Protocols.Smtp;

namespace MailMesh.Campaigns.Sending;

public sealed partial class CampaignWorkerGrain
{
    /// <summary>Handles one due record; returns how long to wait when a throttle stops the batch.</summary>
    private async Task<TimeSpan?> SendOneAsync(CampaignWork work, SendRecord record)
    {
        var definition = work.Definition;
        var now = TimeProvider.GetUtcNow();
        var contact = await GrainFactory.GetGrain<IContactGrain>(ContactAddress.KeyFor(work.Tenant, record.ContactAddress)).Get();
        if (SuppressionReason(contact, definition.List) is { } reason)
        {
            if (await sendLog.SkipAsync(work.Tenant, record.SendId, SendStatus.Suppressed, reason, now))
            {
                state.State.Suppressed++;
                _dirty = true;
                CampaignMetrics.Skip(contact, definition.List);
            }

            return null;
        }

        var zone = contact!.Attributes.TryGetValue("time_zone", out var tz) ? SendWindowCalendar.FindZone(tz.String) ?? _zone! : _zone!;
        var allowed = _calendar!.NextAllowed(now, zone, SendSpread.Offset(record.SendId, definition.SpreadMinutes));
        if (allowed > now)
        {
            await sendLog.PostponeAsync(work.Tenant, record.SendId, allowed, now);
            CampaignMetrics.Postpone();
            return null;
        }

        var wait = _throttle!.TryTake(SendSpread.Domain(contact.Address), now);
        if (wait > TimeSpan.Zero)
        {
            CampaignMetrics.Throttled(wait);
            return wait;
        }

        ComposedMessage message;
        try
        {
            message = await composer.ComposeAsync(new ComposeRequest(
                work.Tenant, work.CampaignId, work.Template, definition.Sender, contact, contact.DisplayAddress, definition.List, record.SendId,
                definition.TimeZone, now, definition.Track));
        }
        catch (TemplateException e)
        {
            // The template cannot make any message: stop this shard; the campaign pauses with the reason.
            _problem = $"template '{work.Template.Name}' does not compile: {e.Message}";
            return null;
        }
        catch (ArgumentException e)
        {
            if (await sendLog.SkipAsync(work.Tenant, record.SendId, SendStatus.Failed, "cannot compose the message: " + e.Message, now))
            {
                Outcome(work, record, "message.failed", null, 0, null, "cannot compose the message: " + e.Message, record.Attempts, null);
            }

            return null;
        }

        // Record, then send: once this commits, the record is never claimed again, whatever happens to the submission.
        if (!await sendLog.TryMarkSendingAsync(work.Tenant, record.SendId, record.Status, message.MessageId, now))
        {
            return null;
        }

        var attempts = record.Attempts + 1;
        RecipientOutcome outcome;
        string relay;
        using var submission = CampaignMetrics.StartSubmission();
        try
        {
            var result = await submitter.SubmitAsync(new MailSubmission(message.EnvelopeFrom, [message.Recipient], message.Content)
            {
                EnvelopeId = record.SendId.ToString(),
                ReturnHeadersOnly = true,
                Notify = DsnNotify.Failure | DsnNotify.Delay,
                RequiresSmtpUtf8 = message.RequiresSmtpUtf8,
            });
            outcome = result.Recipients[0];
            relay = result.Relay;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The submitter promises an outcome for everything a relay can do; this is a fault whose effect on the wire is
            // unknown, so the recipient is failed (never retried: at most one message).
            CampaignLog.SubmitterFault(logger, record.SendId.ToString(), e);
            outcome = new RecipientOutcome(message.Recipient, SubmissionStatus.Failed, 0, null, "the submission failed: " + e.Message);
            relay = "";
        }

        submission.End(outcome.Status);

        await RecordAsync(work, record, message.MessageId, attempts, outcome, relay);
        return null;
    }

    private async Task RecordAsync(CampaignWork work, SendRecord record, string messageId, int attempts, RecipientOutcome outcome, string relay)
    {
        var now = TimeProvider.GetUtcNow();
        switch (outcome.Status)
        {
            case SubmissionStatus.Accepted:
                await sendLog.CompleteAsync(work.Tenant, record.SendId, SendStatus.Sent, outcome.Code, outcome.Reply, null, now);
                state.State.Sent++;
                _refusals = 0;
                Outcome(work, record, "message.sent", messageId, outcome.Code, outcome.EnhancedCode, outcome.Reply, attempts, relay);
                return;
            case SubmissionStatus.Deferred:
                // Every earlier attempt of a record that is still open was a deferral, so the attempts count the deferrals.
                var first = record.Status == SendStatus.Deferred ? await sendLog.FirstDeferredAtAsync(work.Tenant, record.SendId) ?? now : now;
                var decision = _deferral!.Decide(first, attempts, $"{outcome.Code} {outcome.Reply}");
                if (!decision.GiveUp)
                {
                    await sendLog.CompleteAsync(work.Tenant, record.SendId, SendStatus.Deferred, outcome.Code, outcome.Reply, decision.RetryAt, now);
                    state.State.Deferred++;
                    Outcome(work, record, "message.deferred", messageId, outcome.Code, outcome.EnhancedCode, outcome.Reply, attempts, relay, decision.RetryAt);
                    break;
                }

                await FailAsync(work, record, messageId, attempts, outcome, relay, decision.Reason, now);
                break;
            default:
                await FailAsync(work, record, messageId, attempts, outcome, relay, outcome.Reply, now);
                break;
        }

        _refusals++;
        if (_options.PauseAfterConsecutiveRefusals > 0 && _refusals >= _options.PauseAfterConsecutiveRefusals)
        {
            _problem = $"the relay refused or deferred the last {_refusals} messages and accepted none (last reply: {outcome.Code} {outcome.Reply})";
        }
    }

    private async Task FailAsync(
        CampaignWork work, SendRecord record, string messageId, int attempts, RecipientOutcome outcome, string relay, string reply, DateTimeOffset now)
    {
        await sendLog.CompleteAsync(work.Tenant, record.SendId, SendStatus.Failed, outcome.Code, reply, null, now);
        state.State.Failed++;
        Outcome(work, record, "message.failed", messageId, outcome.Code, outcome.EnhancedCode, reply, attempts, relay);
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
}
