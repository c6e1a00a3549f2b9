using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using MailMesh.Grains.Mailboxes;
using MailMesh.Grains.Mailboxes.Sync;
using MailMesh.Protocols;
using MailMesh.Protocols.Imap;
using MailMesh.Runtime.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

// Initial IMAP sync of N small messages from Dovecot into the embedded silo (fetch, parse headers, store blobs,
// write index, commit events), compared in the same run with mbsync pulling the same folder into a Maildir.
// Usage: MailMesh.Bench.Sync [messages=10000]   (needs scripts/test-servers.sh up dovecot, run as root, mbsync)
var count = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10_000;
var host = "127.0.0.1";
var port = int.Parse(Environment.GetEnvironmentVariable("MAILMESH_TEST_IMAP_PORT") ?? "21143", CultureInfo.InvariantCulture);
var mailRoot = Environment.GetEnvironmentVariable("MAILMESH_TEST_IMAP_MAIL_ROOT") ?? "/tmp/mailmesh-test-servers/dovecot/mail";
const string user = "alice@example.test", password = "alicepw";
var folder = "mmbench-" + Guid.NewGuid().ToString("N")[..8];
var work = Path.Combine(Path.GetTempPath(), "mailmesh-bench-sync-" + folder);
Directory.CreateDirectory(work);

Console.WriteLine($"Loading {count} messages into {user}'s Maildir folder {folder} ...");
var bytes = LoadMaildir(Path.Combine(mailRoot, user, "Maildir", "." + folder), count);
Console.WriteLine($"  {bytes / 1024.0 / 1024.0:0.0} MB");
await using (var warm = await ConnectAsync())
{
    // Let Dovecot build its index for the new files before either tool is timed.
    var examined = await warm.ExamineAsync(folder);
    if (examined.Mailbox.Count != count)
    {
        throw new InvalidOperationException($"Dovecot shows {examined.Mailbox.Count} messages in {folder}, expected {count}.");
    }
}

try
{
    var ours = await TimeMailMeshAsync();
    var peer = TimeMbsync();
    Console.WriteLine();
    Console.WriteLine($"MailMesh initial sync: {ours.TotalSeconds:0.00} s ({count / ours.TotalSeconds:0} messages/s)");
    Console.WriteLine($"mbsync (FSync no):     {peer.TotalSeconds:0.00} s ({count / peer.TotalSeconds:0} messages/s)");
    Console.WriteLine($"ratio MailMesh/mbsync: {ours.TotalSeconds / peer.TotalSeconds:0.00}x (target <= 1.0)");
}
finally
{
    await using (var cleanup = await ConnectAsync())
    {
        await cleanup.DeleteMailboxAsync(folder);
    }

    Directory.Delete(work, recursive: true);
}

async Task<TimeSpan> TimeMailMeshAsync()
{
    var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["Mailboxes:CredentialKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
        ["Mailboxes:BatchSize"] = "1000",
    }).Build();
    var done = new TaskCompletionSource<MailboxSyncStatus>(TaskCreationOptions.RunContinuationsAsynchronously);
    var silo = await new SiloBuilder()
        .ConfigureServices(services =>
        {
            services.AddSingleton<IConfiguration>(configuration);
            services.AddMailMeshSqliteStorage(o => o.DatabasePath = Path.Combine(work, "silo.db"));
            services.AddMailboxSync(configuration, Path.Combine(work, "data"));
            services.AddSingleton<IMailboxSyncObserver>(new Completion(done));
        })
        .AddGrainsFromAssembly(typeof(MailboxGrain).Assembly)
        .StartAsync();
    await using (silo)
    {
        var mailbox = silo.GrainFactory.GetGrain<IMailboxGrain>("bench/sync");
        await mailbox.Create(new CreateMailbox("Bench", null));
        var clock = Stopwatch.StartNew();
        await mailbox.ConfigureSource(new MailboxSource(SourceProtocol.Imap, host, port, SourceTls.None, user, Password: password,
            Folders: [folder], PollInterval: TimeSpan.FromHours(1), UseIdle: false));
        var status = await done.Task.WaitAsync(TimeSpan.FromMinutes(10));
        clock.Stop();
        if (status.LastErrorKind != SyncErrorKind.None || status.MessageCount != count)
        {
            throw new InvalidOperationException($"MailMesh sync ended with {status.LastErrorKind} ({status.LastError}) and {status.MessageCount} messages.");
        }

        return clock.Elapsed;
    }
}

TimeSpan TimeMbsync()
{
    var maildir = Path.Combine(work, "mbsync");
    Directory.CreateDirectory(maildir);
    var config = Path.Combine(work, "mbsyncrc");
    File.WriteAllText(config, $"""
        FSync no

        IMAPAccount bench
        Host {host}
        Port {port}
        User {user}
        Pass {password}
        SSLType None
        AuthMechs LOGIN

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
        ?? throw new InvalidOperationException("mbsync did not start; install it with `apt-get install isync`.");
    var errors = process.StandardError.ReadToEnd();
    process.WaitForExit();
    clock.Stop();
    var stored = Directory.EnumerateFiles(Path.Combine(maildir, folder, "cur")).Count() + Directory.EnumerateFiles(Path.Combine(maildir, folder, "new")).Count();
    if (process.ExitCode != 0 || stored != count)
    {
        throw new InvalidOperationException($"mbsync exited with {process.ExitCode} and stored {stored} of {count} messages: {errors}");
    }

    return clock.Elapsed;
}

static long LoadMaildir(string path, int count)
{
    foreach (var sub in new[] { "cur", "new", "tmp" })
    {
        Directory.CreateDirectory(Path.Combine(path, sub));
    }

    long total = 0;
    var body = new StringBuilder();
    while (body.Length < 2000)
    {
        body.Append("Benchmark body line with some words in it to make a few kilobytes. ").Append(body.Length).Append("\r\n");
    }

    for (var i = 1; i <= count; i++)
    {
        var message = Encoding.ASCII.GetBytes(
            $"From: Bench <bench@example.test>\r\nTo: alice@example.test\r\nSubject: bench message {i}\r\nDate: Sun, 22 Nov 2026 10:00:00 +0000\r\n" +
            $"Message-ID: <bench.{i}@example.test>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\n{body}");
        File.WriteAllBytes(Path.Combine(path, "cur", $"1795300000.M{i}P1.bench,S={message.Length}:2,"), message);
        total += message.Length;
    }

    // Dovecot reads the folder as the vmail user.
    Chown(path);
    return total;
}

static void Chown(string path)
{
    using var process = Process.Start("chown", ["-R", "vmail:vmail", path]) ?? throw new InvalidOperationException("chown did not start.");
    process.WaitForExit();
    if (process.ExitCode != 0)
    {
        throw new InvalidOperationException($"chown -R vmail:vmail {path} failed; run the benchmark as root.");
    }
}

async Task<ImapClient> ConnectAsync()
{
    var client = new ImapClient(new ImapClientOptions { Host = host, Port = port, Tls = TlsMode.None });
    await client.ConnectAsync();
    await client.AuthenticateAsync(user, password);
    return client;
}

sealed class Completion(TaskCompletionSource<MailboxSyncStatus> done) : IMailboxSyncObserver
{
    public void RunCompleted(string mailbox, MailboxSyncStatus status) => done.TrySetResult(status);

    public void BatchCommitted(string mailbox, int count)
    {
    }

    public void IdleStarted(string mailbox)
    {
    }
}
