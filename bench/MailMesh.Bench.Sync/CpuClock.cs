using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Runtime.InteropServices;
using MailMesh.Grains.Mailboxes.Sync;

namespace MailMesh.Bench.Sync;

/// <summary>CPU time (user + system) of this process and of its terminated, waited-for children (getrusage), so a
/// run on a loaded machine can be compared by CPU as well as by wall time.</summary>
internal static partial class CpuClock
{
    private const int RusageSelf = 0;
    private const int RusageChildren = -1;

    /// <summary>User + system seconds this process has used so far.</summary>
    public static double Self() => Usage(RusageSelf);

    /// <summary>User + system seconds of every child process that ended and was waited for.</summary>
    public static double Children() => Usage(RusageChildren);

    private static double Usage(int who)
    {
        if (GetRusage(who, out var usage) != 0)
        {
            throw new InvalidOperationException($"getrusage({who}) failed with errno {Marshal.GetLastPInvokeError()}.");
        }

        return usage.UserSeconds + (usage.UserMicroseconds / 1e6) + usage.SystemSeconds + (usage.SystemMicroseconds / 1e6);
    }

    /// <summary>The start of struct rusage on 64-bit Linux (two timevals), padded to its full 144 bytes.</summary>
    [StructLayout(LayoutKind.Sequential, Size = 144)]
    private struct Rusage
    {
        public long UserSeconds;
        public long UserMicroseconds;
        public long SystemSeconds;
        public long SystemMicroseconds;
    }

    [LibraryImport("libc", EntryPoint = "getrusage", SetLastError = true)]
    private static partial int GetRusage(int who, out Rusage usage);
}

/// <summary>Sums the sync's batch phases (<see cref="SyncDiagnostics.BatchPhaseInstrument"/>) while it listens.</summary>
internal sealed class PhaseMeter : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, (double Seconds, int Batches)> _phases = new(StringComparer.Ordinal);

    public PhaseMeter()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == SyncDiagnostics.Name && instrument.Name == SyncDiagnostics.BatchPhaseInstrument)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<double>((_, value, tags, _) =>
        {
            var phase = "?";
            foreach (var tag in tags)
            {
                if (tag.Key == "phase")
                {
                    phase = tag.Value as string ?? "?";
                }
            }

            _phases.AddOrUpdate(phase, (value, 1), (_, sum) => (sum.Seconds + value, sum.Batches + 1));
        });
        _listener.Start();
    }

    /// <summary>"fetch 0.81 s, flush 0.05 s, ..." (summed over batches) since the last call, then starts again.</summary>
    public string TakeSummary()
    {
        string[] order = ["fetch", "wait", "flush", "index", "commit"];
        var snapshot = _phases.ToArray();
        _phases.Clear();
        var parts = snapshot.OrderBy(p => Array.IndexOf(order, p.Key) is var i && i < 0 ? int.MaxValue : i)
            .Select(p => $"{p.Key} {p.Value.Seconds:0.000} s");
        return snapshot.Length == 0 ? "no batches" : $"{string.Join(", ", parts)} (over {snapshot.Max(p => p.Value.Batches)} batches)";
    }

    public void Dispose() => _listener.Dispose();
}
