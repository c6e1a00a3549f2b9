using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using MailMesh.Grains.Mailboxes;
using MailMesh.Grains.Mailboxes.Sync;

namespace MailMesh.Telemetry.Domain;

/// <summary>Mailbox sync metrics from the sync's observer hook (meter <c>MailMesh.Telemetry.Sync</c>), by mailbox sync
/// state (<c>state</c> = ok | failing | never_synced, so the label stays bounded):
/// <c>mailmesh.mailbox.sync.lag</c> s, the longest time since a mailbox last synced successfully;
/// <c>mailmesh.mailbox.sync.mailboxes</c> {mailbox}; <c>mailmesh.mailbox.messages</c> {message}, messages synced into the
/// index; and <c>mailmesh.mailbox.sync.runs</c> {run} [outcome = ok | the error kind: auth, tls, network, protocol, storage…]. A mailbox
/// counts from its first run in this process.</summary>
public sealed class MailboxSyncMetrics : IMailboxSyncObserver, IDisposable
{
    /// <summary>The meter's name.</summary>
    public const string Name = "MailMesh.Telemetry.Sync";

    private static readonly Meter Meter = new(Name);
    private static readonly Counter<long> Runs = Meter.CreateCounter<long>(
        "mailmesh.mailbox.sync.runs", "{run}", "Mailbox sync runs that ended, by outcome (ok or the error kind).");

    private static readonly ConcurrentDictionary<MailboxSyncMetrics, byte> Live = new();
    private readonly ConcurrentDictionary<string, MailboxSyncStatus> _mailboxes = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;

    static MailboxSyncMetrics()
    {
        Meter.CreateObservableGauge("mailmesh.mailbox.sync.lag", () => Observe(static (m, now) => m.Lag(now), max: true), "s",
            "Longest time since a mailbox last synced successfully (since its first attempt when it never did), by sync state.");
        Meter.CreateObservableGauge("mailmesh.mailbox.sync.mailboxes", () => Observe(static (m, _) => m.Count(static _ => 1), max: false), "{mailbox}",
            "Mailboxes with a sync source, by sync state.");
        Meter.CreateObservableGauge("mailmesh.mailbox.messages", () => Observe(static (m, _) => m.Count(static s => s.MessageCount), max: false), "{message}",
            "Messages synced into the index, by the sync state of their mailbox.");
    }

    /// <summary>Creates the observer (register it as an <see cref="IMailboxSyncObserver"/>).</summary>
    public MailboxSyncMetrics(TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        Live.TryAdd(this, 0);
    }

    /// <summary>Stops reporting this observer's mailboxes (the host disposes it when it stops).</summary>
    public void Dispose() => Live.TryRemove(this, out _);

    /// <summary>The state label of a status.</summary>
    public static string StateOf(MailboxSyncStatus status) =>
        status.ConsecutiveFailures > 0 ? "failing" : status.LastSuccessAt is null ? "never_synced" : "ok";

    /// <inheritdoc />
    public void RunCompleted(string mailbox, MailboxSyncStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        if (!status.Configured)
        {
            _mailboxes.TryRemove(mailbox, out _);
            return;
        }

        _mailboxes[mailbox] = status;
        if (Runs.Enabled)
        {
            var outcome = status.ConsecutiveFailures == 0 ? "ok" : status.LastErrorKind.ToString().ToLowerInvariant();
            Runs.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
        }
    }

    /// <inheritdoc />
    public void BatchCommitted(string mailbox, int count)
    {
    }

    /// <inheritdoc />
    public void IdleStarted(string mailbox)
    {
    }

    private Dictionary<string, double> Lag(DateTimeOffset now)
    {
        var lag = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var status in _mailboxes.Values)
        {
            var since = status.LastSuccessAt ?? status.LastAttemptAt;
            if (since is null)
            {
                continue;
            }

            var state = StateOf(status);
            lag[state] = Math.Max(lag.GetValueOrDefault(state), Math.Max(0, (now - since.Value).TotalSeconds));
        }

        return lag;
    }

    private Dictionary<string, double> Count(Func<MailboxSyncStatus, long> measure)
    {
        var counts = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var status in _mailboxes.Values)
        {
            var state = StateOf(status);
            counts[state] = counts.GetValueOrDefault(state) + measure(status);
        }

        return counts;
    }

    private static List<Measurement<double>> Observe(Func<MailboxSyncMetrics, DateTimeOffset, Dictionary<string, double>> measure, bool max)
    {
        var merged = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var metrics in Live.Keys)
        {
            foreach (var (state, value) in measure(metrics, metrics._time.GetUtcNow()))
            {
                merged[state] = max ? Math.Max(merged.GetValueOrDefault(state), value) : merged.GetValueOrDefault(state) + value;
            }
        }

        return merged.Select(m => new Measurement<double>(m.Value, new KeyValuePair<string, object?>("state", m.Key))).ToList();
    }
}
