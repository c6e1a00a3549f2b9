using System.Buffers;
using System.Diagnostics;

namespace MailMesh.Mime.Tests;

/// <summary>
/// Seeded, bounded mutation fuzzing: corpus and own messages are mutated (bit flips, byte
/// insertions of MIME-significant tokens, truncation, splicing, duplication) and parsed with
/// decoding and rewriting. Only <see cref="MimeFormatException"/> may escape; every parse must finish
/// fast and within a memory budget.
/// </summary>
public sealed class FuzzTests(ITestOutputHelper output)
{
    private static readonly byte[][] Tokens =
    [
        "\r\n"u8.ToArray(), "\n"u8.ToArray(), "\r"u8.ToArray(), "--"u8.ToArray(), ":"u8.ToArray(), "="u8.ToArray(), "=?utf-8?b?"u8.ToArray(), "?="u8.ToArray(),
        "\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n"u8.ToArray(), "\r\n--x--\r\n"u8.ToArray(),
        "\r\nContent-Type: message/rfc822\r\n\r\n"u8.ToArray(), "\r\nContent-Transfer-Encoding: base64\r\n"u8.ToArray(),
        "\r\nContent-Transfer-Encoding: quoted-printable\r\n"u8.ToArray(), "begin 644 f\n"u8.ToArray(), "\nend\n"u8.ToArray(),
        "; filename*0*=utf-8''%E2"u8.ToArray(), "\""u8.ToArray(), "("u8.ToArray(), "<"u8.ToArray(), "@"u8.ToArray(), [0], [0xFF], [0xC3],
    ];

    [Fact]
    public void Parse_MutatedMessages_OnlyFormatExceptionsNoHangBoundedMemory()
    {
        var seeds = new List<byte[]>
        {
            TestMessages.Crlf(TestMessages.Nested),
            TestMessages.Crlf("Content-Type: multipart/digest; boundary=d\n\n--d\n\nSubject: a\n\nx\n--d--\n"),
            TestMessages.Crlf("Subject: =?iso-8859-1?q?caf=E9?=\nTo: \"A, B\" <a@b>, g: c@d;\nDate: 1 Jan 2020 00:00 +0000\n\nbegin 644 f\n#0V%T\n`\nend\n"),
        };
        var mime = CorpusLocator.MimeDir;
        if (mime is not null)
        {
            seeds.AddRange(CorpusLocator.MessageFiles(mime).Where(f => new FileInfo(f).Length < 64 * 1024).Take(150).Select(File.ReadAllBytes));
        }
        else
        {
            output.WriteLine(CorpusLocator.SkipReason("fuzzing corpus seeds") + " (own messages only)");
        }

        // MAILMESH_FUZZ_SEED / MAILMESH_FUZZ_ITERATIONS widen a local run; CI uses the fixed defaults.
        var seed = int.TryParse(Environment.GetEnvironmentVariable("MAILMESH_FUZZ_SEED"), out var s) ? s : 20261122;
        var random = new Random(seed);
        var options = new ParserOptions { MaxParts = 2_000, MaxHeaderSize = 256 * 1024, MaxLineLength = 128 * 1024 };
        var iterationLimit = int.TryParse(Environment.GetEnvironmentVariable("MAILMESH_FUZZ_ITERATIONS"), out var n) ? n : 3_000;
        var budget = Stopwatch.StartNew();
        var formatErrors = 0;
        var iterations = 0;
        var buffer = new ArrayBufferWriter<byte>();
        for (var i = 0; i < iterationLimit && budget.Elapsed < TimeSpan.FromSeconds(iterationLimit > 3_000 ? 600 : 40); i++)
        {
            var input = Mutate(seeds[random.Next(seeds.Count)], seeds[random.Next(seeds.Count)], random);
            var before = GC.GetAllocatedBytesForCurrentThread();
            var watch = Stopwatch.StartNew();
            try
            {
                var message = MimeMessage.Parse(input, options);
                foreach (var entity in message.Descendants())
                {
                    if (entity is MimePart part)
                    {
                        buffer.Clear();
                        part.DecodeTo(buffer);
                        _ = part.FileName;
                    }
                    else if (entity is MessagePart mp)
                    {
                        _ = mp.Message.Subject;
                    }
                }

                _ = message.Subject;
                _ = message.From.Count + message.To.Count;
                _ = message.Date;
                _ = message.References;
                _ = message.TextBody;
                _ = message.Attachments;
                Assert.True(message.ToBytes().AsSpan().SequenceEqual(input), $"iteration {i}: rewrite is not byte-identical");
            }
            catch (MimeFormatException ex)
            {
                Assert.True(ex.Offset >= 0 && ex.Offset <= input.Length, $"offset {ex.Offset} outside input of {input.Length}");
                formatErrors++;
            }

            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"iteration {i}: parse of {input.Length} bytes took {watch.Elapsed}");
            Assert.True(allocated < (64L * input.Length) + (8 << 20), $"iteration {i}: {allocated} bytes allocated for {input.Length} input bytes");
            iterations++;
        }

        output.WriteLine($"fuzz (seed {seed}): {iterations} mutated inputs, {formatErrors} documented format exceptions, {budget.Elapsed.TotalSeconds:F1}s");
        Assert.True(iterations >= 500, $"only {iterations} iterations ran in the time budget");
    }

    private static byte[] Mutate(byte[] seed, byte[] other, Random random)
    {
        var data = new List<byte>(seed);
        var rounds = random.Next(1, 8);
        for (var r = 0; r < rounds; r++)
        {
            var pos = data.Count == 0 ? 0 : random.Next(data.Count);
            switch (random.Next(7))
            {
                case 0 when data.Count > 0:
                    data[pos] ^= (byte)(1 << random.Next(8));
                    break;
                case 1:
                    data.InsertRange(pos, Tokens[random.Next(Tokens.Length)]);
                    break;
                case 2 when data.Count > 0:
                    data.RemoveRange(pos, Math.Min(random.Next(1, 64), data.Count - pos));
                    break;
                case 3:
                    data.RemoveRange(pos, data.Count - pos);
                    break;
                case 4 when other.Length > 0:
                    var start = random.Next(other.Length);
                    data.InsertRange(pos, other.Skip(start).Take(random.Next(1, 512)));
                    break;
                case 5 when data.Count > 0:
                    var len = Math.Min(random.Next(1, 256), data.Count - pos);
                    data.InsertRange(pos, data.GetRange(pos, len));
                    break;
                default:
                    data.Insert(pos, (byte)random.Next(256));
                    break;
            }
        }

        return [.. data];
    }
}
