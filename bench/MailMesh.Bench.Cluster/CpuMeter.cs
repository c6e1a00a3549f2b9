using System.Diagnostics;
using System.Globalization;

namespace MailMesh.Bench.Cluster;

/// <summary>CPU time (user + system) of this process (the silos and the callers) and of the servers it talks to, read
/// from /proc: RabbitMQ's Erlang VM (every <c>beam.smp</c>) and PostgreSQL (every <c>postgres</c> process). Under a
/// loaded machine CPU time per call is the comparable number; wall-clock rates are not.</summary>
internal sealed class CpuMeter
{
    private static readonly double TicksPerSecond = 100; // USER_HZ on Linux
    private readonly TimeSpan _self = Process.GetCurrentProcess().TotalProcessorTime;
    private readonly double _broker = ServerSeconds("beam.smp");
    private readonly double _database = ServerSeconds("postgres");

    public (double Silos, double Broker, double Database) Elapsed()
    {
        var self = (Process.GetCurrentProcess().TotalProcessorTime - _self).TotalSeconds;
        return (self, ServerSeconds("beam.smp") - _broker, ServerSeconds("postgres") - _database);
    }

    /// <summary>utime + stime of every process named <paramref name="command"/>, in seconds (0 without /proc).</summary>
    private static double ServerSeconds(string command)
    {
        double total = 0;
        if (!Directory.Exists("/proc"))
        {
            return 0;
        }

        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out _))
            {
                continue;
            }

            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(directory, "stat"));
            }
            catch (IOException)
            {
                continue; // the process ended meanwhile
            }
            catch (UnauthorizedAccessException)
            {
                continue;
            }

            var open = stat.IndexOf('(', StringComparison.Ordinal);
            var close = stat.LastIndexOf(')');
            if (open < 0 || close < open || stat[(open + 1)..close] != command)
            {
                continue;
            }

            // Fields after the command: state is field 3; utime and stime are fields 14 and 15.
            var fields = stat[(close + 2)..].Split(' ');
            total += (double.Parse(fields[11], CultureInfo.InvariantCulture) + double.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
        }

        return total;
    }
}
