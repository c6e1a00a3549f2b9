using System.Buffers;
using System.Diagnostics;
using System.Runtime.InteropServices;
using MailMesh.Mime;

namespace MailMesh.Bench.Mime;

/// <summary>
/// --cpu: CPU time of the measuring thread per corpus pass (best of several) and the files that cost
/// the most CPU in full+decode. Thread CPU time does not count time spent descheduled, so on a shared,
/// loaded machine it compares builds far more steadily than wall time.
/// </summary>
internal static partial class CpuTime
{
    public static void Run(CorpusData corpus, int passes)
    {
        foreach (var mode in new[] { Modes.Structure, Modes.Full, Modes.HeadersOnly })
        {
            var options = mode == Modes.HeadersOnly ? new ParserOptions { HeadersOnly = true } : null;
            var best = double.MaxValue;
            for (var p = 0; p < passes; p++)
            {
                var start = ThreadCpuMilliseconds();
                foreach (var data in corpus.Data)
                {
                    Runner.TouchOnce(MimeMessage.Parse(data, options), mode);
                }

                best = Math.Min(best, ThreadCpuMilliseconds() - start);
            }

            Console.WriteLine($"{mode,-12} best of {passes}: {best,8:F1} ms CPU per corpus pass = {corpus.Bytes / 1e3 / best,7:F1} MB/s of CPU, {corpus.Data.Count / best * 1e3,8:F0} msgs/s");
        }

        var costs = new List<(double Ms, int Index)>();
        for (var i = 0; i < corpus.Data.Count; i++)
        {
            var best = double.MaxValue;
            for (var p = 0; p < 3; p++)
            {
                var start = ThreadCpuMilliseconds();
                Runner.TouchOnce(MimeMessage.Parse(corpus.Data[i]), Modes.Full);
                best = Math.Min(best, ThreadCpuMilliseconds() - start);
            }

            costs.Add((best, i));
        }

        Console.WriteLine("full+decode, most CPU per file:");
        foreach (var (ms, i) in costs.OrderByDescending(c => c.Ms).Take(10))
        {
            Console.WriteLine($"  {ms,8:F2} ms {corpus.Data[i].Length,9} B  {Path.GetRelativePath(corpus.Root, corpus.Files[i])}");
        }
    }

    /// <summary>--cpu-mbox: thread and process CPU per mbox full+decode pass (best and median of <paramref name="passes"/>).</summary>
    public static void RunMbox(byte[] mbox, int passes)
    {
        Runner.Mbox("mbox", "full+decode", mbox, Modes.Full, 0);
        var thread = new List<double>();
        var process = new List<double>();
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        for (var p = 0; p < passes; p++)
        {
            var t0 = ThreadCpuMilliseconds();
            var p0 = ProcessCpuMilliseconds();
            Runner.MboxPass(mbox, Modes.Full);
            thread.Add(ThreadCpuMilliseconds() - t0);
            process.Add(ProcessCpuMilliseconds() - p0);
        }

        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
        thread.Sort();
        process.Sort();
        Console.WriteLine($"mbox full+decode, {passes} passes: thread CPU best {thread[0]:F1} ms, median {thread[passes / 2]:F1} ms; " +
            $"process CPU best {process[0]:F1} ms, median {process[passes / 2]:F1} ms; {allocated / (double)passes / 10_000:F0} B allocated per message");
    }

    internal static double ProcessCpuMilliseconds() => Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds;

    internal static double ThreadCpuMilliseconds()
    {
        if (OperatingSystem.IsLinux() && ClockGetTime(ClockThreadCpuTime, out var ts) == 0)
        {
            return ts.Seconds * 1e3 + ts.Nanoseconds / 1e6;
        }

        return Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds;
    }

    private const int ClockThreadCpuTime = 3;

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec time);
}
