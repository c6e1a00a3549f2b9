using System.Diagnostics;
using System.Runtime.InteropServices;

namespace MailMesh.Bench.Dkim;

/// <summary>CPU time of the calling thread (Linux clock_gettime), which does not count time spent descheduled, so
/// per-signature costs stay comparable on a loaded machine.</summary>
internal static partial class ThreadCpu
{
    private const int ClockThreadCpuTime = 3;

    public static double Microseconds()
    {
        if (OperatingSystem.IsLinux() && ClockGetTime(ClockThreadCpuTime, out var ts) == 0)
        {
            return ts.Seconds * 1e6 + ts.Nanoseconds / 1e3;
        }

        return Process.GetCurrentProcess().TotalProcessorTime.TotalMicroseconds;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec time);
}
