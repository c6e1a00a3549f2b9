using System.Diagnostics;
using System.Globalization;

namespace MailMesh.Bench.Audience;

/// <summary>CPU time (user and system) and bytes written of this process and of its waited-for children, so a ratio can
/// be read on a loaded machine where wall-clock times are distorted.</summary>
internal static class CpuTime
{
    /// <summary>Linux clock ticks per second (USER_HZ, 100 on every common kernel build).</summary>
    private const double TicksPerSecond = 100;

    /// <summary>This process's CPU time so far.</summary>
    public static TimeSpan Self() => Process.GetCurrentProcess().TotalProcessorTime;

    /// <summary>This process's CPU time so far, split into user and system (kernel) time.</summary>
    public static (TimeSpan User, TimeSpan System) SelfSplit()
    {
        var process = Process.GetCurrentProcess();
        return (process.UserProcessorTime, process.PrivilegedProcessorTime);
    }

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

    /// <summary>Bytes this process asked to write (<c>wchar</c> of /proc/self/io: every write and pwrite, whether or not it
    /// reached the disk) and bytes it caused to be written to storage (<c>write_bytes</c>); zeros where there is no /proc.</summary>
    public static (long Written, long ToDisk, long Read) Io()
    {
        if (!File.Exists("/proc/self/io"))
        {
            return (0, 0, 0);
        }

        long written = 0, toDisk = 0, read = 0;
        foreach (var line in File.ReadAllLines("/proc/self/io"))
        {
            var parts = line.Split(':', 2, StringSplitOptions.TrimEntries);
            if (parts.Length != 2)
            {
                continue;
            }

            var value = long.Parse(parts[1], CultureInfo.InvariantCulture);
            switch (parts[0])
            {
                case "wchar":
                    written = value;
                    break;
                case "write_bytes":
                    toDisk = value;
                    break;
                case "rchar":
                    read = value;
                    break;
            }
        }

        return (written, toDisk, read);
    }
}
