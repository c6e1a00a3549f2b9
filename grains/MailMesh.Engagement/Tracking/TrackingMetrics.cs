using System.Diagnostics;
using System.Diagnostics.Metrics;
using MailMesh.Grains.Engagement;

namespace MailMesh.Engagement.Tracking;

/// <summary>Metrics of the tracking hit writer (meter <c>MailMesh.Engagement.Tracking</c>; the endpoints' own counters,
/// hits accepted and dropped and the queue depth, are in <see cref="TrackingHitQueue"/>). Labels are bounded: never a
/// tenant, campaign, contact or address.</summary>
/// <remarks>
/// <list type="bullet">
/// <item><c>mailmesh.tracking.hits.stored</c> {hit} [kind = open | click | unsubscribe | form, outcome = stored | failed]:
/// hits written to the hit store (failed: the store refused the batch after its retries).</item>
/// <item><c>mailmesh.tracking.store.duration</c> s [outcome]: one batch's write to the hit store, retries included.</item>
/// <item><c>mailmesh.tracking.engagement.hits</c> {hit} [kind = open | click, classification = human | machine, outcome =
/// applied | unknown_contact | failed]: opens and clicks handed to the contacts' engagement grains, with their final
/// classification (a click burst turns human clicks into machine ones).</item>
/// </list>
/// </remarks>
public static class TrackingMetrics
{
    /// <summary>The meter's name.</summary>
    public const string Name = "MailMesh.Engagement.Tracking";

    private static readonly Meter Meter = new(Name);

    private static readonly Counter<long> Stored = Meter.CreateCounter<long>(
        "mailmesh.tracking.hits.stored", "{hit}", "Tracking hits written to the hit store (or refused by it), by kind and outcome.");

    private static readonly Histogram<double> StoreDuration = Meter.CreateHistogram<double>(
        "mailmesh.tracking.store.duration", "s", "Time to write one batch of tracking hits to the hit store, retries included, by outcome.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] });

    private static readonly Counter<long> Engagement = Meter.CreateCounter<long>(
        "mailmesh.tracking.engagement.hits", "{hit}",
        "Opens and clicks handed to the contacts' engagement grains, by kind, final classification and outcome.");

    /// <summary>Records a batch written to the hit store (<paramref name="ok"/>) after starting at <paramref name="started"/>
    /// (a <see cref="Stopwatch"/> timestamp).</summary>
    public static void Written(IReadOnlyList<HitRecord> batch, long started, bool ok)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var outcome = new KeyValuePair<string, object?>("outcome", ok ? "stored" : "failed");
        if (StoreDuration.Enabled)
        {
            StoreDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, outcome);
        }

        if (!Stored.Enabled)
        {
            return;
        }

        Span<int> counts = stackalloc int[Kinds.Length];
        foreach (var hit in batch)
        {
            counts[KindIndex(hit.Kind)]++;
        }

        for (var i = 1; i < counts.Length; i++)
        {
            if (counts[i] > 0)
            {
                Stored.Add(counts[i], new KeyValuePair<string, object?>("kind", Kinds[i]), outcome);
            }
        }
    }

    /// <summary>Counts one open or click handed over: <paramref name="applied"/> false when the contact does not exist.</summary>
    public static void HandedOver(HitKind kind, bool machine, bool applied) => Count(kind, machine, applied ? "applied" : "unknown_contact");

    /// <summary>Counts opens and clicks whose engagement grain call failed (they stay pending in the store).</summary>
    public static void HandOverFailed(IEnumerable<HitRecord> hits)
    {
        ArgumentNullException.ThrowIfNull(hits);
        foreach (var hit in hits)
        {
            Count(hit.Kind, hit.Machine, "failed");
        }
    }

    private static void Count(HitKind kind, bool machine, string outcome)
    {
        if (Engagement.Enabled)
        {
            Engagement.Add(1, new KeyValuePair<string, object?>("kind", Kinds[KindIndex(kind)]),
                new KeyValuePair<string, object?>("classification", machine ? "machine" : "human"), new KeyValuePair<string, object?>("outcome", outcome));
        }
    }

    private static int KindIndex(HitKind kind) => (int)kind is var i && i > 0 && i < Kinds.Length ? i : 0;

    private static readonly string[] Kinds = ["other", "open", "click", "unsubscribe", "form"];
}
