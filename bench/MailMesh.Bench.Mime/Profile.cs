using System.Diagnostics;
using MailMesh.Mime;

namespace MailMesh.Bench.Mime;

/// <summary>--profile: the slowest corpus files per mode, to find where time goes.</summary>
internal static class Profile
{
    public static void Run(CorpusData corpus)
    {
        foreach (var mode in new[] { Modes.Structure, Modes.Full })
        {
            var times = new List<(double Micros, string File, int Bytes)>();
            for (var i = 0; i < corpus.Data.Count; i++)
            {
                var data = corpus.Data[i];
                var best = double.MaxValue;
                for (var k = 0; k < 5; k++)
                {
                    var w = Stopwatch.StartNew();
                    Runner.TouchOnce(MimeMessage.Parse(data), mode);
                    best = Math.Min(best, w.Elapsed.TotalMicroseconds);
                }

                times.Add((best, corpus.Files[i], data.Length));
            }

            var total = times.Sum(t => t.Micros);
            Console.WriteLine($"{mode}: total {total / 1000:F1} ms for {corpus.Bytes / 1e6:F1} MB");
            foreach (var t in times.OrderByDescending(t => t.Micros).Take(12))
            {
                Console.WriteLine($"  {t.Micros,10:F0} us {t.Bytes,9} B  {Path.GetRelativePath(corpus.Root, t.File)}");
            }

            var worst = times.OrderByDescending(t => t.Micros).First();
            var message = MimeMessage.Parse(File.ReadAllBytes(worst.File));
            var sw = Stopwatch.StartNew();
            _ = message.Subject;
            _ = message.From;
            _ = message.To;
            _ = message.Date;
            Console.WriteLine($"    headers {sw.Elapsed.TotalMicroseconds:F0} us");
            foreach (var part in message.Descendants().OfType<MimePart>())
            {
                sw.Restart();
                var buffer = new System.Buffers.ArrayBufferWriter<byte>();
                part.DecodeTo(buffer);
                var decode = sw.Elapsed.TotalMicroseconds;
                sw.Restart();
                if (part.IsText)
                {
                    _ = MailMesh.Mime.Encodings.Charsets.Decode(buffer.WrittenSpan, part.ContentType.Charset);
                }

                Console.WriteLine($"    part {part.ContentType.MimeType} {part.ContentTransferEncoding} {part.RawContent.Length} B: decode {decode:F0} us, text {sw.Elapsed.TotalMicroseconds:F0} us");
            }
        }
    }
}
