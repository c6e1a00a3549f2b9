using System.Diagnostics;
using System.Globalization;

namespace MailMesh.Bench.Audience;

/// <summary>CPU time (user + system) of this process and of its waited-for children, so a ratio can be read on a loaded
/// machine where wall-clock times are distorted.</summary>
internal static class CpuTime
{
    /// <summary>Linux clock ticks per second (USER_HZ, 100 on every common kernel build).</summary>
    private const double TicksPerSecond = 100;

    /// <summary>This process's CPU time so far.</summary>
    public static TimeSpan Self() => Process.GetCurrentProcess().TotalProcessorTime;

    /// <summary>CPU time of the children this process has waited for (cutime + cstime of /proc/self/stat); zero where
    /// there is no /proc.</summary>
    public static TimeSpan Children()
    {
        if (!File.Exists("/proc/self/stat"))
        {
            return TimeSpan.Zero;
        }

        // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
        var stat = File.ReadAllText("/proc/self/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // fields[0] is field 3 (state); cutime and cstime are fields 16 and 17.
        var ticks = long.Parse(fields[13], CultureInfo.InvariantCulture) + long.Parse(fields[14], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / TicksPerSecond);
    }
}
