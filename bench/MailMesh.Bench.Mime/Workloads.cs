using System.Text;
using MailMesh.Mime.Addresses;
using MailMesh.Mime.Writing;

namespace MailMesh.Bench.Mime;

internal sealed record CorpusData(string Root, List<string> Files, List<byte[]> Data, long Bytes);

internal static class Workloads
{
    public static string FindRepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "MailMesh.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? Directory.GetCurrentDirectory();
    }

    public static CorpusData LoadCorpus(string repo)
    {
        var shared = Environment.GetEnvironmentVariable("MAILMESH_SHARED_DIR");
        shared = string.IsNullOrEmpty(shared) ? Path.GetFullPath(Path.Combine(repo, "..", "shared")) : shared;
        var root = Path.Combine(shared, "corpus");
        var files = new List<string>();
        if (Directory.Exists(root))
        {
            foreach (var file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                var name = Path.GetFileName(file);
                var ext = Path.GetExtension(file).ToLowerInvariant();
                if (name.Contains("LICENSE", StringComparison.Ordinal) || name is "NOTICE" or "SOURCES.md" or "README.txt" || name.Contains("_decoded", StringComparison.Ordinal) ||
                    ext is ".xml" or ".exp" or ".json" or ".gz" or ".out" or ".md" or ".list" or ".py" or ".golden" or ".tnef" or ".png" or ".jpg" or ".gif" or ".pdf" or ".zip" or ".key" or ".pem" or ".crt")
                {
                    continue;
                }

                files.Add(file);
            }
        }

        var data = files.Select(File.ReadAllBytes).ToList();
        return new CorpusData(root, files, data, data.Sum(d => (long)d.Length));
    }

    /// <summary>A seeded mbox of typical mail: plain text, alternative text+HTML, and messages with attachments.</summary>
    public static byte[] SyntheticMbox(int count, int seed)
    {
        var random = new Random(seed);
        var words = "the quick brown fox jumps over lazy dog invoice meeting report quarterly café Grüße naïve résumé project status update".Split(' ');
        using var output = new MemoryStream();
        for (var i = 0; i < count; i++)
        {
            var builder = new MessageBuilder
            {
                Subject = Sentence(random, words, 4 + random.Next(8)),
                Date = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero).AddMinutes(i),
                MessageId = $"msg{i}@bench.example",
            };
            builder.From.Add(new MailboxAddress("Sender " + i, $"sender{i % 97}@example.com"));
            builder.To.Add(new MailboxAddress("Zoë Recipient", "rcpt@example.org"));
            var text = Paragraphs(random, words, 1 + random.Next(12));
            var kind = random.Next(4);
            builder.TextBody = text;
            if (kind >= 2)
            {
                builder.HtmlBody = "<html><body><p>" + text.Replace("\n", "</p><p>", StringComparison.Ordinal) + "</p></body></html>";
            }

            if (kind == 3)
            {
                var blob = new byte[4096 + random.Next(60_000)];
                random.NextBytes(blob);
                builder.Attachments.Add(new BuilderAttachment($"file{i}.bin", blob));
            }

            output.Write(Encoding.ASCII.GetBytes($"From sender{i % 97}@example.com Mon Jan  1 00:00:00 2024\n"));
            builder.Build().WriteTo(output);
            output.WriteByte((byte)'\n');
        }

        return output.ToArray();
    }

    private static string Sentence(Random random, string[] words, int n) =>
        string.Join(' ', Enumerable.Range(0, n).Select(_ => words[random.Next(words.Length)]));

    private static string Paragraphs(Random random, string[] words, int n) =>
        string.Join("\n", Enumerable.Range(0, n).Select(_ => Sentence(random, words, 8 + random.Next(30))));
}
