using System.Buffers;
using MailMesh.Mime;
using MailMesh.Mime.Encodings;
using MailMesh.Mime.Mbox;

namespace MailMesh.Bench.Mime;

/// <summary>
/// --steps: where full+decode time goes on the synthetic mbox, without a timer call per message:
/// each pass adds one step to the previous pass, and a step's cost is the difference of the best
/// thread-CPU times of two passes.
/// </summary>
internal static class Steps
{
    private static readonly ArrayBufferWriter<byte> Scratch = new(1 << 20);

    public static void Run(byte[] mbox, int passes)
    {
        string[] names = ["mbox split + structure parse", "+ Subject", "+ From", "+ To", "+ Date", "+ Message-ID, In-Reply-To, References, Cc, Bcc, Reply-To, Sender", "+ DecodeTo every part", "+ text parts to string"];
        var best = new double[names.Length];
        Array.Fill(best, double.MaxValue);
        for (var p = 0; p < passes; p++)
        {
            for (var level = 0; level < names.Length; level++)
            {
                var start = CpuTime.ThreadCpuMilliseconds();
                foreach (var entry in new MboxReader(mbox, null, unquoteFrom: false).ReadMessages())
                {
                    Touch(entry.Message, level);
                }

                best[level] = Math.Min(best[level], CpuTime.ThreadCpuMilliseconds() - start);
            }
        }

        Console.WriteLine($"synthetic mbox {mbox.Length / 1e6:F1} MB, best thread CPU of {passes} passes per level:");
        for (var level = 0; level < names.Length; level++)
        {
            var step = level == 0 ? best[0] : best[level] - best[level - 1];
            Console.WriteLine($"  {names[level],-70} {best[level],8:F1} ms  (step {step,6:F1} ms)");
        }
    }

    private static void Touch(MimeMessage message, int level)
    {
        foreach (var _ in message.Descendants())
        {
        }

        if (level >= 1)
        {
            _ = message.Subject;
        }

        if (level >= 2)
        {
            _ = message.From;
        }

        if (level >= 3)
        {
            _ = message.To;
        }

        if (level >= 4)
        {
            _ = message.Date;
        }

        if (level >= 5)
        {
            Runner.TouchPeerFields(message);
        }

        if (level >= 6)
        {
            foreach (var entity in message.Descendants())
            {
                if (entity is MimePart part)
                {
                    Scratch.Clear();
                    part.DecodeTo(Scratch);
                    if (level >= 7 && part.IsText)
                    {
                        _ = Charsets.Decode(Scratch.WrittenSpan, part.ContentType.Charset);
                    }
                }
            }
        }
    }
}
