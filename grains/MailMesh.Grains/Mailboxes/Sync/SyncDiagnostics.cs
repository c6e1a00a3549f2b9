using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace MailMesh.Grains.Mailboxes.Sync;

/// <summary>The mailbox sync's meter <c>MailMesh.Mailboxes</c>: <c>mailmesh.mailbox.sync.batch.phase</c> s [phase =
/// fetch | wait | flush | index | commit], the time one batch of new messages spent in each step of its way in
/// (fetch: the UID FETCH with its blob writes and header parsing; wait: the grain waiting for a batch the pipelined
/// fetch has not finished; flush: making the batch's blobs durable; index: the index rows; commit: the events and the
/// cursor in one state write), and <c>mailmesh.mailbox.sync.messages</c> {message}, new messages committed.</summary>
public static class SyncDiagnostics
{
    /// <summary>The meter's name.</summary>
    public const string Name = "MailMesh.Mailboxes";

    /// <summary>The phase histogram's instrument name.</summary>
    public const string BatchPhaseInstrument = "mailmesh.mailbox.sync.batch.phase";

    private static readonly Meter Meter = new(Name);

    private static readonly Histogram<double> BatchPhase = Meter.CreateHistogram<double>(
        BatchPhaseInstrument, "s", "Time one batch of new messages spent in a sync phase (fetch, wait, flush, index, commit).",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });

    private static readonly Counter<long> Messages = Meter.CreateCounter<long>(
        "mailmesh.mailbox.sync.messages", "{message}", "New messages committed by mailbox syncs.");

    internal static void RecordPhase(string phase, long startTimestamp) =>
        BatchPhase.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds, new KeyValuePair<string, object?>("phase", phase));

    internal static void RecordCommitted(int count) => Messages.Add(count);
}
