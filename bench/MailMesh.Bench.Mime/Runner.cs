using System.Buffers;
using System.Diagnostics;
using MailMesh.Mime;
using MailMesh.Mime.Encodings;
using MailMesh.Mime.Mbox;

namespace MailMesh.Bench.Mime;

internal enum Modes
{
    Structure,
    Full,
    HeadersOnly,
}

/// <summary>One measured run; <paramref name="CpuMicrosPerMessage"/> is the process's CPU time (user + system, all threads) per message.</summary>
internal sealed record Result(string Set, string Mode, double MegabytesPerSecond, double MessagesPerSecond, double AllocatedPerMessage, double GcPausePercent = 0, double CpuMicrosPerMessage = 0);

internal static class Runner
{
    private static readonly ParserOptions HeadersOnly = new() { HeadersOnly = true };
    private static readonly ArrayBufferWriter<byte> Scratch = new(1 << 20);

    public static Result Corpus(string set, string mode, List<byte[]> data, Modes m, double seconds)
    {
        var bytes = data.Sum(d => (long)d.Length);
        return Measure(set, mode, seconds, () =>
        {
            foreach (var d in data)
            {
                Touch(MimeMessage.Parse(d, m == Modes.HeadersOnly ? HeadersOnly : null), m);
            }

            return (bytes, data.Count);
        });
    }

    public static Result Mbox(string set, string mode, byte[] mbox, Modes m, double seconds) =>
        Measure(set, mode, seconds, () => (mbox.LongLength, MboxPass(mbox, m)));

    /// <summary>One pass over the mbox in a mode; returns the number of messages.</summary>
    public static int MboxPass(byte[] mbox, Modes m)
    {
        var count = 0;
        foreach (var entry in new MboxReader(mbox, m == Modes.HeadersOnly ? HeadersOnly : null, unquoteFrom: false).ReadMessages())
        {
            Touch(entry.Message, m);
            count++;
        }

        return count;
    }

    public static void TouchOnce(MimeMessage message, Modes mode) => Touch(message, mode);

    private static void Touch(MimeMessage message, Modes mode)
    {
        switch (mode)
        {
            case Modes.HeadersOnly:
                break;
            case Modes.Structure:
                foreach (var _ in message.Descendants())
                {
                }

                break;
            case Modes.Full:
                _ = message.Subject;
                _ = message.From;
                _ = message.To;
                _ = message.Date;
                TouchPeerFields(message);
                foreach (var entity in message.Descendants())
                {
                    if (entity is MimePart part)
                    {
                        Scratch.Clear();
                        part.DecodeTo(Scratch);
                        if (part.IsText)
                        {
                            _ = Charsets.Decode(Scratch.WrittenSpan, part.ContentType.Charset);
                        }
                    }
                }

                break;
            default:
                break;
        }
    }

    /// <summary>The other fields postal-mime's result carries, so that both sides extract the same information.</summary>
    public static void TouchPeerFields(MimeMessage message)
    {
        _ = message.MessageId;
        _ = message.InReplyTo;
        _ = message.References;
        _ = message.Cc;
        _ = message.Bcc;
        _ = message.ReplyTo;
        _ = message.Sender;
    }

    private static Result Measure(string set, string mode, double seconds, Func<(long Bytes, int Messages)> pass)
    {
        pass();
        GC.Collect();
        long bytes = 0;
        long messages = 0;
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var pauseBefore = GC.GetTotalPauseDuration();
        var cpuBefore = CpuTime.ProcessCpuMilliseconds();
        var watch = Stopwatch.StartNew();
        do
        {
            var (b, n) = pass();
            bytes += b;
            messages += n;
        }
        while (watch.Elapsed.TotalSeconds < seconds);

        var elapsed = watch.Elapsed.TotalSeconds;
        var cpu = CpuTime.ProcessCpuMilliseconds() - cpuBefore;
        var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        var pause = (GC.GetTotalPauseDuration() - pauseBefore).TotalSeconds;
        return new Result(set, mode, bytes / elapsed / 1e6, messages / elapsed, (double)allocated / messages, 100 * pause / elapsed, cpu * 1e3 / messages);
    }
}
