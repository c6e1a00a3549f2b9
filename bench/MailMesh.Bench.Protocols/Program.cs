using System.Diagnostics;
using System.Globalization;
using System.Text;
using MailMesh.Protocols;
using MailMesh.Protocols.Imap;

// Full IMAP sync of one folder into a Maildir: MailMesh's ImapClient against mbsync (isync), same
// server, same messages, same run. Usage:
//   dotnet run -c Release --project bench/MailMesh.Bench.Protocols -- [--messages 10001] [--rounds 3]
//     [--pop3-messages 2000] [--imap-only | --pop3-only]
// POP3 is compared with getmail6 on the second user's INBOX (Debian package getmail6).
// Server: MAILMESH_TEST_IMAP_HOST/PORT and the first user of MAILMESH_TEST_IMAP_USERS (defaults match
// scripts/test-servers.sh). mbsync must be on PATH (Debian package isync).
var messages = IntArg("--messages", 10_001);
var rounds = IntArg("--rounds", 3);
var pop3Messages = IntArg("--pop3-messages", 2_000);
var only = args.Contains("--pop3-only") ? "pop3" : args.Contains("--imap-only") ? "imap" : "both";
var host = Environment.GetEnvironmentVariable("MAILMESH_TEST_IMAP_HOST") ?? "127.0.0.1";
var port = int.Parse(Environment.GetEnvironmentVariable("MAILMESH_TEST_IMAP_PORT") ?? "21143", CultureInfo.InvariantCulture);
var users = (Environment.GetEnvironmentVariable("MAILMESH_TEST_IMAP_USERS") ?? "alice@example.test:alicepw").Split(',')[0];
var user = users[..users.IndexOf(':', StringComparison.Ordinal)];
var password = users[(users.IndexOf(':', StringComparison.Ordinal) + 1)..];
var folder = "bench-sync-" + messages.ToString(CultureInfo.InvariantCulture);
var work = Directory.CreateTempSubdirectory("mailmesh-bench-protocols-");

var options = new ImapClientOptions { Host = host, Port = port, Tls = TlsMode.None };
if (only == "pop3")
{
    await RunPop3Async();
    work.Delete(recursive: true);
    return 0;
}

await PrepareAsync();
Console.WriteLine($"IMAP full sync of {messages} messages ({host}:{port}, folder {folder}), {rounds} rounds, alternating");

// One untimed pass so both tools meet a warm server (Dovecot builds its caches on the first full read).
await SyncWithMailMeshAsync(Path.Combine(work.FullName, "warm-up"));
Console.WriteLine($"fetch only (no disk): MailMesh {await SyncWithMailMeshAsync(null):F2} s");

var ours = new List<double>();
var peer = new List<double>();
for (var round = 1; round <= rounds; round++)
{
    ours.Add(await SyncWithMailMeshAsync(Path.Combine(work.FullName, $"ours-{round}")));
    peer.Add(SyncWithMbsync(Path.Combine(work.FullName, $"mbsync-{round}")));
    Console.WriteLine($"round {round}: MailMesh {ours[^1]:F2} s, mbsync {peer[^1]:F2} s");
}

var oursMedian = Median(ours);
var peerMedian = Median(peer);
Console.WriteLine($"median: MailMesh {oursMedian:F2} s ({messages / oursMedian:F0} msg/s), mbsync {peerMedian:F2} s ({messages / peerMedian:F0} msg/s)");
Console.WriteLine($"ratio MailMesh/mbsync time: {oursMedian / peerMedian:F2}x (target <= 1.0)");
await using (var cleanup = new ImapClient(options))
{
    // Leave the shared test account as it was: other suites list and sync alice's folders.
    await cleanup.ConnectAsync();
    await cleanup.AuthenticateAsync(user, password);
    await cleanup.DeleteMailboxAsync(folder);
}

if (only == "both")
{
    await RunPop3Async();
}

work.Delete(recursive: true);
return 0;

// POP3 uses the second test user (bob): his INBOX is loaded with the messages.
async Task RunPop3Async()
{
    var second = (Environment.GetEnvironmentVariable("MAILMESH_TEST_IMAP_USERS") ?? "alice@example.test:alicepw,bob@example.test:bobpw").Split(',')[1];
    var pop3Port = int.Parse(Environment.GetEnvironmentVariable("MAILMESH_TEST_POP3_PORT") ?? "21110", CultureInfo.InvariantCulture);
    var colon = second.IndexOf(':', StringComparison.Ordinal);
    await Pop3SyncBench.RunAsync(host, port, pop3Port, second[..colon], second[(colon + 1)..], pop3Messages, rounds, work.FullName);
}

async Task PrepareAsync()
{
    await using var client = new ImapClient(options);
    await client.ConnectAsync();
    await client.AuthenticateAsync(user, password);
    var existing = (await client.ListAsync(pattern: folder, statusItems: ImapStatusItems.Messages)).FirstOrDefault();
    if (existing?.Status?.Messages == (uint)messages)
    {
        return;
    }

    if (existing is not null)
    {
        await client.DeleteMailboxAsync(folder);
    }

    await client.CreateMailboxAsync(folder);
    var batch = new List<ReadOnlyMemory<byte>>();
    for (var i = 0; i < messages; i++)
    {
        batch.Add(BenchMessages.Create(i));
        if (batch.Count == 1000 || i == messages - 1)
        {
            await client.AppendManyAsync(folder, batch);
            batch.Clear();
        }
    }
}

async Task<double> SyncWithMailMeshAsync(string? maildir)
{
    if (maildir is not null)
    {
        Directory.CreateDirectory(Path.Combine(maildir, "cur"));
    }

    var clock = Stopwatch.StartNew();
    await using var client = new ImapClient(options);
    await client.ConnectAsync();
    await client.AuthenticateAsync(user, password);
    await client.ExamineAsync(folder);
    var sink = new MaildirSink(maildir is null ? null : Path.Combine(maildir, "cur"));
    var result = await client.UidFetchAsync(ImapUidSet.All, new ImapFetchRequest(ImapFetchItems.Summary | ImapFetchItems.Body) { BatchSize = 2000 }, sink);
    await client.LogoutAsync();
    clock.Stop();
    if (result.Count != messages || sink.Written != messages)
    {
        throw new InvalidOperationException($"MailMesh fetched {result.Count} messages and wrote {sink.Written}; expected {messages}.");
    }

    return clock.Elapsed.TotalSeconds;
}

double SyncWithMbsync(string maildir)
{
    Directory.CreateDirectory(maildir);
    var config = Path.Combine(maildir, "..", Path.GetFileName(maildir) + ".mbsyncrc");
    File.WriteAllText(config, $"""
        FSync no

        IMAPAccount bench
        Host {host}
        Port {port}
        User {user}
        Pass {password}
        SSLType None
        AuthMechs LOGIN PLAIN

        IMAPStore remote
        Account bench

        MaildirStore local
        Path {maildir}/
        Inbox {maildir}/INBOX
        SubFolders Verbatim

        Channel bench
        Far :remote:
        Near :local:
        Patterns {folder}
        Create Near
        Sync Pull
        SyncState *

        """);
    var clock = Stopwatch.StartNew();
    using var process = Process.Start(new ProcessStartInfo("mbsync", ["-q", "-c", config, "bench"]) { RedirectStandardError = true })
        ?? throw new InvalidOperationException("mbsync did not start; install the Debian package isync.");
    var errors = process.StandardError.ReadToEnd();
    process.WaitForExit();
    clock.Stop();
    var count = Directory.GetFiles(Path.Combine(maildir, folder, "cur")).Length + Directory.GetFiles(Path.Combine(maildir, folder, "new")).Length;
    if (process.ExitCode != 0 || count != messages)
    {
        throw new InvalidOperationException($"mbsync exited with {process.ExitCode} and stored {count} of {messages} messages: {errors}");
    }

    return clock.Elapsed.TotalSeconds;
}

static double Median(List<double> values)
{
    var sorted = values.Order().ToList();
    return sorted[sorted.Count / 2];
}

int IntArg(string name, int fallback)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
}

/// <summary>
/// Writes each message to its own file, as a Maildir does (no fsync, like mbsync's FSync no); a null
/// directory discards. Small messages are gathered in memory and written with one system call.
/// </summary>
internal sealed class MaildirSink(string? directory) : IImapFetchSink
{
    private readonly MemoryStream _buffer = new(64 * 1024);
    private string? _path;

    public int Written { get; private set; }

    public ValueTask<Stream?> OpenBodyAsync(ImapBodyPart part, CancellationToken cancellationToken)
    {
        if (directory is null)
        {
            Written++;
            return ValueTask.FromResult<Stream?>(null);
        }

        _path = Path.Combine(directory, $"{part.Uid}.bench:2,");
        _buffer.SetLength(0);
        return ValueTask.FromResult<Stream?>(_buffer);
    }

    public ValueTask MessageFetchedAsync(ImapFetchedMessage message, CancellationToken cancellationToken)
    {
        if (_path is not null)
        {
            using var handle = File.OpenHandle(_path, FileMode.CreateNew, FileAccess.Write);
            RandomAccess.Write(handle, _buffer.GetBuffer().AsSpan(0, (int)_buffer.Length), 0);
            _path = null;
            Written++;
        }

        return ValueTask.CompletedTask;
    }
}

/// <summary>The benchmark's messages: a few KB of plain text each.</summary>
internal static class BenchMessages
{
    public static byte[] Create(int i) => Encoding.ASCII.GetBytes(
        $"From: Sender <sender@example.test>\r\nTo: alice@example.test\r\nSubject: Bench message {i}\r\n" +
        $"Date: Sun, 22 Nov 2026 10:00:00 +0000\r\nMessage-ID: <bench-{i}@example.test>\r\nMIME-Version: 1.0\r\n" +
        $"Content-Type: text/plain; charset=us-ascii\r\n\r\n" + string.Concat(Enumerable.Repeat($"Line of message {i}, padding it to a few kilobytes.\r\n", 40)));
}
