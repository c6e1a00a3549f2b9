using System.Text;

namespace MailMesh.Bench.Sieve;

/// <summary>The messages: real ones from ../shared/corpus/mime when present (repeated to the wanted count), else a
/// seeded generated set of varied messages.</summary>
internal static class Corpus
{
    public static (List<byte[]> Messages, string Source) Load(int count)
    {
        var dir = FindCorpus();
        if (dir is not null)
        {
            var files = Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
                .Where(f => f.EndsWith(".eml", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".msg", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".raw", StringComparison.OrdinalIgnoreCase))
                .Where(f => new FileInfo(f).Length is > 100 and < 2_000_000)
                .Order(StringComparer.Ordinal)
                .Select(File.ReadAllBytes)
                .Where(b => b.AsSpan(0, Math.Min(b.Length, 4096)).IndexOf(": "u8) > 0)
                .ToList();
            if (files.Count > 0)
            {
                var list = new List<byte[]>(count);
                for (var i = 0; list.Count < count; i++)
                {
                    list.Add(files[i % files.Count]);
                }

                return (list, $"{files.Count} distinct real messages from {dir}, repeated to {count}");
            }
        }

        return (Generate(count), $"{count} generated messages (../shared/corpus/mime not found)");
    }

    private static string? FindCorpus()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            var candidate = Path.Combine(d.FullName, "shared", "corpus", "mime");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static List<byte[]> Generate(int count)
    {
        var random = new Random(42);
        string[] froms = ["notifications@github.com", "ann@example.org", "service@paypal.com", "no-reply@amazon.com", "bob+billing@example.net", "list@python.org"];
        string[] subjects = ["Re: meeting tomorrow", "Your invoice 2026-11", "[dev] release 2.0", "Security alert", "Lunch?", "Order #123456 shipped", "newsletter: November"];
        var list = new List<byte[]>(count);
        for (var i = 0; i < count; i++)
        {
            var body = new StringBuilder();
            var lines = random.Next(5, 200);
            for (var l = 0; l < lines; l++)
            {
                body.Append("Line ").Append(l).Append(" of a generated message body with some words to scan.\r\n");
            }

            var multipart = i % 3 == 0;
            var text = new StringBuilder()
                .Append("From: ").Append(froms[random.Next(froms.Length)]).Append("\r\nTo: team@example.test\r\nSubject: ").Append(subjects[random.Next(subjects.Length)])
                .Append("\r\nDate: Sun, 22 Nov 2026 10:00:00 +0000\r\nMessage-ID: <").Append(i).Append("@bench.test>\r\n");
            if (i % 5 == 0)
            {
                text.Append("List-Id: <python-dev.python.org>\r\nPrecedence: list\r\n");
            }

            if (multipart)
            {
                text.Append("MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=\"bb\"\r\n\r\n--bb\r\nContent-Type: text/plain\r\n\r\n").Append(body)
                    .Append("--bb\r\nContent-Type: text/html\r\n\r\n<table><tr><td>").Append(body).Append("</td></tr></table>\r\n--bb--\r\n");
            }
            else
            {
                text.Append("Content-Type: text/plain\r\n\r\n").Append(body);
            }

            list.Add(Encoding.ASCII.GetBytes(text.ToString()));
        }

        return list;
    }
}
