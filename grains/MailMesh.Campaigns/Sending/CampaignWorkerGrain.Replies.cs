using MailMesh.Protocols.Smtp;

namespace MailMesh.Campaigns.Sending;

public sealed partial class CampaignWorkerGrain
{
    /// <summary>The outcome of one finished submission as the grain records it, on the thread that finished it; null for a
    /// submission cancelled before its outcome was known.</summary>
    private Submitted? Reply(Task<SubmissionResult> submission, object? state)
    {
        var inFlight = (InFlight)state!;
        using var metrics = inFlight.Metrics;
        var (record, message, _) = inFlight.Prepared;
        RecipientOutcome outcome;
        var relay = "";
        if (submission.IsCompletedSuccessfully)
        {
            outcome = submission.Result.Recipients[0];
            relay = submission.Result.Relay;
        }
        else if (ReplyGroups<Submitted>.IsCancellation(submission))
        {
            return null;
        }
        else
        {
            // The submitter promises an outcome for everything a relay can do; this is a fault whose effect on the wire is
            // unknown, so the recipient is failed (never retried: at most one message).
            var fault = submission.Exception!.InnerException!;
            CampaignLog.SubmitterFault(logger, record.SendId.ToString(), fault);
            outcome = new RecipientOutcome(message.Recipient, SubmissionStatus.Failed, 0, null, "the submission failed: " + fault.Message);
        }

        metrics.End(outcome.Status);
        return new Submitted(record, message.MessageId, outcome, relay);
    }

    /// <summary>A claimed message on its way to the relay, and the timing of its submission.</summary>
    private sealed class InFlight(Prepared prepared, CampaignMetrics.Submission metrics)
    {
        public Prepared Prepared => prepared;

        public CampaignMetrics.Submission Metrics => metrics;
    }
}
