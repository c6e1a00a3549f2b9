using System.Buffers;
using MailMesh.Mime;
using MailMesh.Mime.Encodings;

namespace MailMesh.Bench.Mime;

/// <summary>--alloc: managed bytes allocated per corpus message, split by step (deterministic, unlike wall time on a shared machine).</summary>
internal static class Allocations
{
    public static void Run(CorpusData corpus)
    {
        var scratch = new ArrayBufferWriter<byte>(1 << 20);
        for (var round = 0; round < 2; round++)
        {
            long parse = 0, walk = 0, fields = 0, decode = 0, text = 0, headersOnly = 0;
            long subject = 0, from = 0, to = 0;
            double cpuParse = 0, cpuFields = 0, cpuDecode = 0, cpuText = 0;
            foreach (var data in corpus.Data)
            {
                var a0 = GC.GetAllocatedBytesForCurrentThread();
                _ = MimeMessage.Parse(data, new ParserOptions { HeadersOnly = true });
                var a1 = GC.GetAllocatedBytesForCurrentThread();
                var c1 = CpuTime.ThreadCpuMilliseconds();
                var message = MimeMessage.Parse(data);
                var c2 = CpuTime.ThreadCpuMilliseconds();
                var a2 = GC.GetAllocatedBytesForCurrentThread();
                foreach (var _ in message.Descendants())
                {
                }

                var a3 = GC.GetAllocatedBytesForCurrentThread();
                var c3 = CpuTime.ThreadCpuMilliseconds();
                _ = message.Subject;
                var s1 = GC.GetAllocatedBytesForCurrentThread();
                _ = message.From;
                var s2 = GC.GetAllocatedBytesForCurrentThread();
                _ = message.To;
                var s3 = GC.GetAllocatedBytesForCurrentThread();
                _ = message.Date;
                var c4 = CpuTime.ThreadCpuMilliseconds();
                var a4 = GC.GetAllocatedBytesForCurrentThread();
                cpuParse += c2 - c1;
                subject += s1 - a3;
                from += s2 - s1;
                to += s3 - s2;
                cpuFields += c4 - c3;
                long d = 0, t = 0;
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

                        cpuDecode += t1 - t0;
                        cpuText += CpuTime.ThreadCpuMilliseconds() - t1;
                        t += GC.GetAllocatedBytesForCurrentThread() - b1;
                        d += b1 - b0;
                    }
                }

                headersOnly += a1 - a0;
                parse += a2 - a1;
                walk += a3 - a2;
                fields += a4 - a3;
                decode += d;
                text += t;
            }

            if (round == 1)
            {
                double n = corpus.Data.Count;
                Console.WriteLine($"corpus {corpus.Data.Count} messages, bytes allocated per message:");
                Console.WriteLine($"  headers-only parse   {headersOnly / n,10:F0}");
                Console.WriteLine($"  structure parse      {parse / n,10:F0}");
                Console.WriteLine($"  walk (Descendants)   {walk / n,10:F0}");
                Console.WriteLine($"  Subject/From/To/Date {fields / n,10:F0}");
                Console.WriteLine($"    Subject {subject / n:F0}, From {from / n:F0}, To {to / n:F0}, Date {(fields - subject - from - to) / n:F0}");
                Console.WriteLine($"  DecodeTo             {decode / n,10:F0}");
                Console.WriteLine($"  text to string       {text / n,10:F0}");
                Console.WriteLine($"  structure total      {(parse + walk) / n,10:F0}");
                Console.WriteLine($"  full total           {(parse + walk + fields + decode + text) / n,10:F0}");
                Console.WriteLine($"thread CPU per corpus pass (ms, one pass, includes timer overhead): parse {cpuParse:F1}, Subject/From/To/Date {cpuFields:F1}, DecodeTo {cpuDecode:F1}, text to string {cpuText:F1}");
            }
        }
    }
}
