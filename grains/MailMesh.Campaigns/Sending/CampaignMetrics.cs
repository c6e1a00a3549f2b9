using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using MailMesh.Campaigns.SendLog;
using MailMesh.Grains.Campaigns;
using MailMesh.Grains.Contacts;
using MailMesh.Protocols.Smtp;

namespace MailMesh.Campaigns.Sending;

/// <summary>Campaign sending metrics (meter <c>MailMesh.Campaigns</c>). Labels are bounded: no campaign id, tenant or
/// address is ever a label.</summary>
/// <remarks>
/// <list type="bullet">
/// <item><c>mailmesh.campaign.messages</c> {message} [outcome = accepted | deferred | failed]: messages as the campaign
/// recorded them (a message that cannot be composed, or deferred past the maximum age, counts as failed).</item>
/// <item><c>mailmesh.campaign.submit.duration</c> s [outcome = the relay's answer]: time from handing a message to the
/// relay to its reply.</item>
/// <item><c>mailmesh.campaign.recipients.skipped</c> {recipient} [reason = suppressed | not_on_list | no_contact]:
/// recipients not mailed because the re-check before sending found them unmailable.</item>
/// <item><c>mailmesh.campaign.recipients.postponed</c> {recipient}: recipients moved to their next send window.</item>
/// <item><c>mailmesh.campaign.throttle.wait</c> s: how long a worker paused because a throttle (overall, per domain or
/// slow start) had no room; its count is the number of waits.</item>
/// <item><c>mailmesh.campaign.batch.stage.duration</c> s [stage = contacts | compose | claim | submit | record]: time a
/// worker batch spent in each stage: re-reading its contacts, composing, claiming its records, waiting for the relay's
/// replies (beyond the time spent recording them), recording the outcomes.</item>
/// <item><c>mailmesh.campaign.transitions</c> {transition} [to = draft | scheduled | sending | paused | completed |
/// cancelled]: committed status changes.</item>
/// <item><c>mailmesh.campaign.recipients</c> {recipient} [state = queued | deferred | in_flight]: recipients still to
/// send in the campaigns this silo drives (as of their last drive tick; queued once planning is done) and messages
/// being submitted right now. Every state is reported, 0 when idle.</item>
/// </list>
/// </remarks>
public static class CampaignMetrics
{
    /// <summary>The meter's name.</summary>
    public const string Name = "MailMesh.Campaigns";

    /// <summary>How long a campaign's progress counts stay in the gauge without a new drive tick (a grain that went away
    /// without stopping its drive).</summary>
    public static readonly TimeSpan ProgressExpiry = TimeSpan.FromMinutes(1);

    private static readonly Meter Meter = new(Name);

    private static readonly Counter<long> Messages = Meter.CreateCounter<long>(
        "mailmesh.campaign.messages", "{message}", "Campaign messages whose submission ended, by outcome (accepted, deferred, failed).");

    private static readonly Histogram<double> SubmitDuration = Meter.CreateHistogram<double>(
        "mailmesh.campaign.submit.duration", "s", "Time from handing a campaign message to the relay to its reply, by outcome.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] });

    private static readonly Counter<long> Skipped = Meter.CreateCounter<long>(
        "mailmesh.campaign.recipients.skipped", "{recipient}",
        "Recipients not mailed because the check before sending found them suppressed, off the list or deleted.");

    private static readonly Counter<long> Postponed = Meter.CreateCounter<long>(
        "mailmesh.campaign.recipients.postponed", "{recipient}", "Recipients moved to their next send window.");

    private static readonly Histogram<double> ThrottleWait = Meter.CreateHistogram<double>(
        "mailmesh.campaign.throttle.wait", "s", "Pauses of a sending worker because a throttle (overall, per domain, slow start) had no room.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600] });

    private static readonly Histogram<double> StageDuration = Meter.CreateHistogram<double>(
        "mailmesh.campaign.batch.stage.duration", "s", "Time a worker batch spent in each stage (contacts, compose, claim, submit, record).",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] });

    private static readonly Counter<long> Transitions = Meter.CreateCounter<long>(
        "mailmesh.campaign.transitions", "{transition}", "Committed campaign status changes, by the new status.");

    private static readonly ConcurrentDictionary<string, (PendingSends Progress, long At)> Driven = new(StringComparer.Ordinal);
    private static long s_inFlight;

    static CampaignMetrics()
    {
        Meter.CreateObservableGauge("mailmesh.campaign.recipients", ObserveRecipients, "{recipient}",
            "Recipients still to send in the campaigns this silo drives (queued, deferred) and messages being submitted (in_flight).");
    }

    /// <summary>A submission is starting; dispose the result when its reply is in.</summary>
    public static Submission StartSubmission()
    {
        Interlocked.Increment(ref s_inFlight);
        return new Submission(Stopwatch.GetTimestamp());
    }

    /// <summary>Counts a message recorded with event <paramref name="eventType"/> (<c>message.sent</c>, <c>message.deferred</c>,
    /// <c>message.failed</c>): what the campaign recorded, so a deferral past the maximum age counts as failed.</summary>
    public static void Ended(string eventType)
    {
        if (Messages.Enabled)
        {
            var outcome = eventType switch
            {
                "message.sent" => "accepted",
                "message.deferred" => "deferred",
                _ => "failed",
            };
            Messages.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
        }
    }

    /// <summary>Counts a recipient skipped by the check before sending.</summary>
    public static void Skip(ContactInfo? contact, string? list)
    {
        if (!Skipped.Enabled)
        {
            return;
        }

        var reason = contact is null ? "no_contact" : contact.Suppressions.Any(s => s.Scope == "*" || s.Scope == list) ? "suppressed" : "not_on_list";
        Skipped.Add(1, new KeyValuePair<string, object?>("reason", reason));
    }

    /// <summary>Counts a recipient moved to its next send window.</summary>
    public static void Postpone() => Postponed.Add(1);

    /// <summary>Records a throttle pause of <paramref name="wait"/>.</summary>
    public static void Throttled(TimeSpan wait)
    {
        if (ThrottleWait.Enabled)
        {
            ThrottleWait.Record(wait.TotalSeconds);
        }
    }

    /// <summary>Records the time since <paramref name="started"/> (a <see cref="Stopwatch"/> timestamp) as spent in
    /// <paramref name="stage"/> of a worker batch; returns the current timestamp, the start of the next stage.</summary>
    public static long Stage(string stage, long started)
    {
        var now = Stopwatch.GetTimestamp();
        if (StageDuration.Enabled)
        {
            StageDuration.Record(Stopwatch.GetElapsedTime(started, now).TotalSeconds, new KeyValuePair<string, object?>("stage", stage));
        }

        return now;
    }

    /// <summary>Counts a committed status when it differs from <paramref name="reported"/> (the last one counted by this
    /// activation, null at first) and remembers it.</summary>
    public static void Committed(ref CampaignStatus? reported, CampaignStatus status)
    {
        if (reported == status)
        {
            return;
        }

        reported = status;
        if (Transitions.Enabled)
        {
            Transitions.Add(1, new KeyValuePair<string, object?>("to", StatusLabel(status)));
        }
    }

    /// <summary>The progress of campaign <paramref name="key"/> (any unique string; never exported) at its last drive tick;
    /// null when it stops being driven.</summary>
    public static void Progress(string key, PendingSends? progress)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (progress is null)
        {
            Driven.TryRemove(key, out _);
        }
        else
        {
            Driven[key] = (progress.Value, Stopwatch.GetTimestamp());
        }
    }

    /// <summary>The outcome label of a submission status.</summary>
    public static string OutcomeOf(SubmissionStatus status) => status switch
    {
        SubmissionStatus.Accepted => "accepted",
        SubmissionStatus.Deferred => "deferred",
        _ => "failed",
    };

    /// <summary>The status label of a campaign status.</summary>
    public static string StatusLabel(CampaignStatus status) => status switch
    {
        CampaignStatus.Draft => "draft",
        CampaignStatus.Scheduled => "scheduled",
        CampaignStatus.Sending => "sending",
        CampaignStatus.Paused => "paused",
        CampaignStatus.Completed => "completed",
        CampaignStatus.Cancelled => "cancelled",
        _ => "other",
    };

    private static Measurement<long>[] ObserveRecipients()
    {
        long queued = 0, deferred = 0;
        foreach (var (key, (progress, at)) in Driven)
        {
            if (Stopwatch.GetElapsedTime(at) > ProgressExpiry)
            {
                Driven.TryRemove(key, out _);
                continue;
            }

            queued += progress.Queued;
            deferred += progress.Deferred;
        }

        return
        [
            new(queued, new KeyValuePair<string, object?>("state", "queued")),
            new(deferred, new KeyValuePair<string, object?>("state", "deferred")),
            new(Interlocked.Read(ref s_inFlight), new KeyValuePair<string, object?>("state", "in_flight")),
        ];
    }

    /// <summary>One submission being timed: <see cref="End"/> records the relay's answer, <see cref="Dispose"/> (once, by
    /// a <c>using</c>) takes it out of flight.</summary>
    public readonly struct Submission : IDisposable
    {
        private readonly long _started;

        internal Submission(long started) => _started = started;

        /// <summary>Records how long the relay took to answer with <paramref name="status"/>.</summary>
        public void End(SubmissionStatus status)
        {
            if (SubmitDuration.Enabled)
            {
                SubmitDuration.Record(Stopwatch.GetElapsedTime(_started).TotalSeconds, new KeyValuePair<string, object?>("outcome", OutcomeOf(status)));
            }
        }

        /// <summary>The submission is no longer in flight.</summary>
        public void Dispose() => Interlocked.Decrement(ref s_inFlight);
    }
}
