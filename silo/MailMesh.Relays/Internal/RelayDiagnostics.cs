using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using MailMesh.Relays.Webhooks;

namespace MailMesh.Relays.Internal;

/// <summary>The relays' meter <c>MailMesh.Relays</c>: <c>mailmesh.webhook.deliveries</c> {attempt} [outcome =
/// delivered | retried | dead_lettered], <c>mailmesh.webhook.attempt.duration</c> s, <c>mailmesh.relay.events</c>
/// {event} [relay], <c>mailmesh.relay.lag</c> {event} [relay] (events in the log not yet handled by the relay's
/// slowest reader), <c>mailmesh.eventlog.sequence</c> {event} (the last sequence the relays saw) and
/// <c>mailmesh.relay.leader</c> {silo} [relay] (1 on the silo that holds the relay's lease).</summary>
internal static class RelayDiagnostics
{
    public const string Name = "MailMesh.Relays";

    private static readonly Meter Meter = new(Name);

    private static readonly Counter<long> Attempts = Meter.CreateCounter<long>(
        "mailmesh.webhook.deliveries", "{attempt}", "Webhook POST attempts by outcome (delivered, retried, dead_lettered).");

    private static readonly Histogram<double> AttemptDuration = Meter.CreateHistogram<double>(
        "mailmesh.webhook.attempt.duration", "s", "Duration of webhook POST attempts.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });

    private static readonly Counter<long> Relayed = Meter.CreateCounter<long>(
        "mailmesh.relay.events", "{event}", "Events handed to integrators, by relay (webhook, rabbitmq).");

    private static readonly ConcurrentDictionary<object, (string Relay, long Position)> Readers = new();
    private static readonly ConcurrentDictionary<string, int> Leaders = new(StringComparer.Ordinal);
    private static long s_lastSequence;

    static RelayDiagnostics()
    {
        Meter.CreateObservableGauge("mailmesh.relay.lag", ObserveLag, "{event}",
            "Events in the log that the relay's slowest reader has not handled yet.");
        Meter.CreateObservableGauge("mailmesh.eventlog.sequence", () => Volatile.Read(ref s_lastSequence), "{event}",
            "The highest event-log sequence the relays have seen.");
        Meter.CreateObservableGauge("mailmesh.relay.leader", ObserveLeaders, "{silo}",
            "1 when this silo holds the relay's lease and runs it, 0 when it stands by, by relay (webhook, rabbitmq).");
    }

    /// <summary>Records whether this silo runs <paramref name="relay"/> now.</summary>
    public static void SetLeader(string relay, bool leader) => Leaders[relay] = leader ? 1 : 0;

    public static void RecordAttempt(WebhookAttemptKind kind, TimeSpan duration)
    {
        AttemptDuration.Record(duration.TotalSeconds);
        if (kind == WebhookAttemptKind.Delivered)
        {
            Relayed.Add(1, new KeyValuePair<string, object?>("relay", "webhook"));
        }
    }

    public static void CountOutcome(string outcome) => Attempts.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public static void CountPublished(int count) => Relayed.Add(count, new KeyValuePair<string, object?>("relay", "rabbitmq"));

    /// <summary>A reader reports where it is and what the log's end was when it looked.</summary>
    public static void Report(object reader, string relay, long position, long lastSequence)
    {
        Readers[reader] = (relay, position);
        long seen;
        while ((seen = Volatile.Read(ref s_lastSequence)) < lastSequence && Interlocked.CompareExchange(ref s_lastSequence, lastSequence, seen) != seen)
        {
        }
    }

    public static void Forget(object reader) => Readers.TryRemove(reader, out _);

    private static IEnumerable<Measurement<int>> ObserveLeaders() =>
        Leaders.Select(l => new Measurement<int>(l.Value, new KeyValuePair<string, object?>("relay", l.Key))).ToList();

    private static IEnumerable<Measurement<long>> ObserveLag()
    {
        var last = Volatile.Read(ref s_lastSequence);
        return Readers.Values
            .GroupBy(r => r.Relay)
            .Select(g => new Measurement<long>(Math.Max(0, last - g.Min(r => r.Position)), new KeyValuePair<string, object?>("relay", g.Key)))
            .ToList();
    }
}
