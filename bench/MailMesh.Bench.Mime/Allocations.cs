using System.Buffers;
using MailMesh.Mime;
using MailMesh.Mime.Encodings;
using MailMesh.Mime.Mbox;

namespace MailMesh.Bench.Mime;

/// <summary>
/// --alloc: managed bytes allocated per message, split by step (deterministic, unlike wall time on a
/// shared machine), and thread CPU time per step, over the corpus and the synthetic mbox.
/// </summary>
internal static class Allocations
{
    public static void Run(CorpusData corpus, byte[] mbox)
    {
        if (corpus.Data.Count > 0)
        {
            Run($"corpus {corpus.Data.Count} messages", corpus.Data.Select(d => (ReadOnlyMemory<byte>)d).ToList());
        }

        var messages = new MboxReader(mbox, new ParserOptions { HeadersOnly = true }, unquoteFrom: false).ReadMessages()
            .Select(e => (ReadOnlyMemory<byte>)mbox.AsMemory((int)e.Offset, (int)(e.EndOffset - e.Offset))).ToList();
        Run($"synthetic mbox {messages.Count} messages", messages);
    }

    private static void Run(string name, List<ReadOnlyMemory<byte>> data)
    {
        var scratch = new ArrayBufferWriter<byte>(1 << 20);
        var encodings = Enum.GetValues<ContentEncoding>();
        for (var round = 0; round < 3; round++)
        {
            long parse = 0, walk = 0, fields = 0, decode = 0, text = 0, headersOnly = 0;
            long subject = 0, from = 0, to = 0;
            double cpuHeadersOnly = 0, cpuParse = 0, cpuWalk = 0, cpuSubject = 0, cpuFrom = 0, cpuTo = 0, cpuDate = 0, cpuText = 0;
            var cpuDecode = new double[encodings.Length];
            var bytesDecoded = new long[encodings.Length];
            foreach (var d in data)
            {
                var c0 = CpuTime.ThreadCpuMilliseconds();
                var a0 = GC.GetAllocatedBytesForCurrentThread();
                _ = MimeMessage.Parse(d, new ParserOptions { HeadersOnly = true });
                var a1 = GC.GetAllocatedBytesForCurrentThread();
                var c1 = CpuTime.ThreadCpuMilliseconds();
                var message = MimeMessage.Parse(d);
                var c2 = CpuTime.ThreadCpuMilliseconds();
                var a2 = GC.GetAllocatedBytesForCurrentThread();
                foreach (var _ in message.Descendants())
                {
                }

                var a3 = GC.GetAllocatedBytesForCurrentThread();
                var c3 = CpuTime.ThreadCpuMilliseconds();
                _ = message.Subject;
                var s1 = GC.GetAllocatedBytesForCurrentThread();
                var c4 = CpuTime.ThreadCpuMilliseconds();
                _ = message.From;
                var s2 = GC.GetAllocatedBytesForCurrentThread();
                var c5 = CpuTime.ThreadCpuMilliseconds();
                _ = message.To;
                var s3 = GC.GetAllocatedBytesForCurrentThread();
                var c6 = CpuTime.ThreadCpuMilliseconds();
                _ = message.Date;
                var c7 = CpuTime.ThreadCpuMilliseconds();
                var a4 = GC.GetAllocatedBytesForCurrentThread();
                cpuHeadersOnly += c1 - c0;
                cpuParse += c2 - c1;
                cpuWalk += c3 - c2;
                cpuSubject += c4 - c3;
                cpuFrom += c5 - c4;
                cpuTo += c6 - c5;
                cpuDate += c7 - c6;
                subject += s1 - a3;
                from += s2 - s1;
                to += s3 - s2;
                long dec = 0, t = 0;
                foreach (var entity in message.Descendants())
                {
                    if (entity is MimePart part)
                    {
                        scratch.Clear();
                        var b0 = GC.GetAllocatedBytesForCurrentThread();
                        var t0 = CpuTime.ThreadCpuMilliseconds();
                        part.DecodeTo(scratch);
                        var t1 = CpuTime.ThreadCpuMilliseconds();
                        var b1 = GC.GetAllocatedBytesForCurrentThread();
                        if (part.IsText)
                        {
                            _ = Charsets.Decode(scratch.WrittenSpan, part.ContentType.Charset);
                        }

                        cpuDecode[(int)part.ContentTransferEncoding] += t1 - t0;
                        bytesDecoded[(int)part.ContentTransferEncoding] += part.RawContent.Length;
                        cpuText += CpuTime.ThreadCpuMilliseconds() - t1;
                        t += GC.GetAllocatedBytesForCurrentThread() - b1;
                        dec += b1 - b0;
                    }
                }

                headersOnly += a1 - a0;
                parse += a2 - a1;
                walk += a3 - a2;
                fields += a4 - a3;
                decode += dec;
                text += t;
            }

            if (round == 2)
            {
                double n = data.Count;
                Console.WriteLine($"{name}, bytes allocated per message:");
                Console.WriteLine($"  headers-only parse   {headersOnly / n,10:F0}");
                Console.WriteLine($"  structure parse      {parse / n,10:F0}");
                Console.WriteLine($"  walk (Descendants)   {walk / n,10:F0}");
                Console.WriteLine($"  Subject/From/To/Date {fields / n,10:F0}");
                Console.WriteLine($"    Subject {subject / n:F0}, From {from / n:F0}, To {to / n:F0}, Date {(fields - subject - from - to) / n:F0}");
                Console.WriteLine($"  DecodeTo             {decode / n,10:F0}");
                Console.WriteLine($"  text to string       {text / n,10:F0}");
                Console.WriteLine($"  structure total      {(parse + walk) / n,10:F0}");
                Console.WriteLine($"  full total           {(parse + walk + fields + decode + text) / n,10:F0}");
                Console.WriteLine($"thread CPU for one pass (ms, includes timer overhead): headers-only {cpuHeadersOnly:F1}, parse {cpuParse:F1}, walk {cpuWalk:F1}, " +
                    $"Subject {cpuSubject:F1}, From {cpuFrom:F1}, To {cpuTo:F1}, Date {cpuDate:F1}, text to string {cpuText:F1}");
                Console.WriteLine("  DecodeTo by encoding: " + string.Join(", ", encodings.Where(e => bytesDecoded[(int)e] > 0)
                    .Select(e => $"{e} {cpuDecode[(int)e]:F1} ms for {bytesDecoded[(int)e] / 1e6:F1} MB ({bytesDecoded[(int)e] / 1e3 / Math.Max(cpuDecode[(int)e], 1e-3):F0} MB/s)")));
            }
        }
    }
}
