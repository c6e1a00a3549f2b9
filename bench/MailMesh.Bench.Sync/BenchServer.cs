using System.Diagnostics;
using System.Globalization;
using System.Text;
using MailMesh.Protocols;
using MailMesh.Protocols.Imap;

// The bench drives Linux tools (Dovecot's Maildir, runuser, /proc) and runs only there.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

namespace MailMesh.Bench.Sync;

/// <summary>The test Dovecot (addresses from scripts/test-servers.sh's environment) and direct Maildir loading.</summary>
internal sealed record BenchServer(string Host, int ImapPort, int Pop3Port, string MailRoot, string User, string Password, string Pop3User, string Pop3Password)
{
    public static BenchServer FromEnvironment()
    {
        var users = (Environment.GetEnvironmentVariable("MAILMESH_TEST_IMAP_USERS") ?? "alice@example.test:alicepw,bob@example.test:bobpw").Split(',');
        var first = users[0].Split(':', 2);
        var second = users[1].Split(':', 2);
        return new BenchServer(
            Environment.GetEnvironmentVariable("MAILMESH_TEST_IMAP_HOST") ?? "127.0.0.1",
            int.Parse(Environment.GetEnvironmentVariable("MAILMESH_TEST_IMAP_PORT") ?? "21143", CultureInfo.InvariantCulture),
            int.Parse(Environment.GetEnvironmentVariable("MAILMESH_TEST_POP3_PORT") ?? "21110", CultureInfo.InvariantCulture),
            Environment.GetEnvironmentVariable("MAILMESH_TEST_IMAP_MAIL_ROOT") ?? "/tmp/mailmesh-test-servers/dovecot/mail",
            first[0], first[1], second[0], second[1]);
    }

    public async Task<ImapClient> ConnectAsync(string? user = null, string? password = null)
    {
        var client = new ImapClient(new ImapClientOptions { Host = Host, Port = ImapPort, Tls = TlsMode.None, CommandTimeout = TimeSpan.FromMinutes(5) });
        await client.ConnectAsync();
        await client.AuthenticateAsync(user ?? User, password ?? Password);
        return client;
    }

    /// <summary>The Maildir directory of <paramref name="folder"/> of <paramref name="user"/> (INBOX is the Maildir itself).</summary>
    public string MaildirOf(string user, string folder) =>
        folder == "INBOX" ? Path.Combine(MailRoot, user, "Maildir") : Path.Combine(MailRoot, user, "Maildir", "." + folder);

    /// <summary>Writes messages <paramref name="first"/>.. straight into a Maildir folder (as Dovecot's vmail user);
    /// returns the bytes written.</summary>
    public static long LoadMaildir(string path, int first, int count, string subdirectory = "cur")
    {
        // The topmost directory this call creates (on a fresh server even the user's home): all of it goes to vmail,
        // or Dovecot cannot lock its mailbox list there.
        var created = Path.GetFullPath(path);
        while (Path.GetDirectoryName(created) is { } parent && !Directory.Exists(parent))
        {
            created = parent;
        }

        foreach (var sub in new[] { "cur", "new", "tmp" })
        {
            Directory.CreateDirectory(Path.Combine(path, sub));
        }

        long total = 0;
        for (var i = first; i < first + count; i++)
        {
            var message = Message(i);
            var flags = subdirectory == "cur" ? ":2," : "";
            File.WriteAllBytes(Path.Combine(path, subdirectory, $"1795300000.M{i}P1.bench,S={message.Length}{flags}"), message);
            total += message.Length;
        }

        Chown(created);
        return total;
    }

    /// <summary>A few KB of plain text, like most mail.</summary>
    public static byte[] Message(int i)
    {
        var body = new StringBuilder();
        while (body.Length < 2000)
        {
            body.Append("Benchmark body line with some words in it to make a few kilobytes. ").Append(body.Length).Append("\r\n");
        }

        return Encoding.ASCII.GetBytes(
            $"From: Bench <bench@example.test>\r\nTo: alice@example.test\r\nSubject: bench message {i}\r\nDate: Sun, 22 Nov 2026 10:00:00 +0000\r\n" +
            $"Message-ID: <bench.{i}@example.test>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\n{body}");
    }

    /// <summary>Dovecot reads the Maildir as the vmail user.</summary>
    public static void Chown(string path, string owner = "vmail:vmail")
    {
        using var process = Process.Start("chown", ["-R", owner, path]) ?? throw new InvalidOperationException("chown did not start.");
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"chown -R {owner} {path} failed; run the benchmark as root.");
        }
    }

    /// <summary>Whether <paramref name="tool"/> is on PATH.</summary>
    public static bool Has(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => File.Exists(Path.Combine(d, tool)));

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }

    /// <summary>The machine's load average (from /proc/loadavg), printed with every result.</summary>
    public static string Load() => File.Exists("/proc/loadavg") ? "load average " + string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "load unknown";
}
