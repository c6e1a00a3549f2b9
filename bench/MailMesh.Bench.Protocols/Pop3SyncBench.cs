using System.Diagnostics;
using System.Globalization;
using MailMesh.Protocols;
using MailMesh.Protocols.Imap;
using MailMesh.Protocols.Pop3;

/// <summary>
/// POP3 download of a whole maildrop into a Maildir (leave on server): MailMesh's Pop3Client (UIDL, then
/// RETR pipelined) against getmail6 with the same messages in the same run.
/// </summary>
internal static class Pop3SyncBench
{
    public static async Task RunAsync(string host, int imapPort, int pop3Port, string user, string password, int messages, int rounds, string work)
    {
        await LoadInboxAsync(host, imapPort, user, password, messages);
        Console.WriteLine($"POP3 download of {messages} messages ({host}:{pop3Port}, {user}), {rounds} rounds, alternating");
        var ours = new List<double>();
        var peer = new List<double>();
        for (var round = 1; round <= rounds; round++)
        {
            ours.Add(await DownloadWithMailMeshAsync(host, pop3Port, user, password, messages, Path.Combine(work, $"pop3-ours-{round}")));
            Console.WriteLine($"round {round}: MailMesh {ours[^1]:F2} s; getmail running...");
            peer.Add(DownloadWithGetmail(host, pop3Port, user, password, messages, Path.Combine(work, $"pop3-getmail-{round}")));
            Console.WriteLine($"round {round}: getmail {peer[^1]:F2} s");
        }

        var oursMedian = ours.Order().ElementAt(ours.Count / 2);
        var peerMedian = peer.Order().ElementAt(peer.Count / 2);
        Console.WriteLine($"median: MailMesh {oursMedian:F2} s ({messages / oursMedian:F0} msg/s), getmail {peerMedian:F2} s ({messages / peerMedian:F0} msg/s)");
        Console.WriteLine($"ratio getmail/MailMesh time: {peerMedian / oursMedian:F1}x faster (target >= 10x)");
        await LoadInboxAsync(host, imapPort, user, password, 0);
    }

    /// <summary>Leaves exactly <paramref name="messages"/> messages in the user's INBOX (POP3 sees only the inbox).</summary>
    private static async Task LoadInboxAsync(string host, int imapPort, string user, string password, int messages)
    {
        await using var client = new ImapClient(new ImapClientOptions { Host = host, Port = imapPort, Tls = TlsMode.None });
        await client.ConnectAsync();
        await client.AuthenticateAsync(user, password);
        var selected = await client.SelectAsync("INBOX");
        if (selected.Mailbox.Count == (uint)messages)
        {
            return;
        }

        if (selected.Mailbox.Count > 0)
        {
            await client.UidStoreAsync(ImapUidSet.All, ImapStoreMode.Add, ["\\Deleted"]);
            await client.ExpungeAsync();
        }

        for (var start = 0; start < messages; start += 1000)
        {
            var batch = Enumerable.Range(start, Math.Min(1000, messages - start)).Select(i => (ReadOnlyMemory<byte>)BenchMessages.Create(i)).ToList();
            await client.AppendManyAsync("INBOX", batch);
        }
    }

    private static async Task<double> DownloadWithMailMeshAsync(string host, int port, string user, string password, int messages, string maildir)
    {
        var directory = Path.Combine(maildir, "new");
        Directory.CreateDirectory(directory);
        var clock = Stopwatch.StartNew();
        await using var client = new Pop3Client(new Pop3ClientOptions { Host = host, Port = port, Tls = TlsMode.None });
        await client.ConnectAsync();
        await client.AuthenticateAsync(user, password);
        var uids = await client.UidlAsync();
        var sink = new Pop3MaildirSink(directory, uids.ToDictionary(u => u.Number, u => u.Uid));
        await client.RetrieveAsync(uids.Select(u => u.Number).ToList(), sink);
        await client.QuitAsync();
        clock.Stop();
        if (sink.Written != messages)
        {
            throw new InvalidOperationException($"MailMesh stored {sink.Written} of {messages} messages.");
        }

        return clock.Elapsed.TotalSeconds;
    }

    private static double DownloadWithGetmail(string host, int port, string user, string password, int messages, string maildir)
    {
        foreach (var sub in new[] { "cur", "new", "tmp" })
        {
            Directory.CreateDirectory(Path.Combine(maildir, sub));
        }

        var state = maildir + "-state";
        Directory.CreateDirectory(state);
        File.WriteAllText(Path.Combine(state, "getmailrc"), $"""
            [retriever]
            type = SimplePOP3Retriever
            server = {host}
            port = {port.ToString(CultureInfo.InvariantCulture)}
            username = {user}
            password = {password}

            [destination]
            type = Maildir
            path = {maildir}/

            [options]
            read_all = true
            delete = false
            verbose = 0

            """);
        var clock = Stopwatch.StartNew();
        // getmail refuses to deliver into a Maildir as root: run it as nobody when the bench runs as root.
        var asRoot = !OperatingSystem.IsWindows() && Environment.UserName == "root";
        if (asRoot && !OperatingSystem.IsWindows())
        {
            // The run directory is created 0700; nobody must be able to reach the Maildir inside it.
            File.SetUnixFileMode(Path.GetDirectoryName(maildir)!, (UnixFileMode)0b111_101_101);
            foreach (var path in new[] { maildir, state }.SelectMany(d => Directory.GetFileSystemEntries(d, "*", SearchOption.AllDirectories).Append(d)))
            {
                Chown(path);
            }
        }

        var start = asRoot
            ? new ProcessStartInfo("runuser", ["-u", "nobody", "--", "getmail", "--getmaildir", state, "--rcfile", "getmailrc"])
            : new ProcessStartInfo("getmail", ["--getmaildir", state, "--rcfile", "getmailrc"]);
        start.RedirectStandardError = true;
        start.RedirectStandardOutput = true;
        using var process = Process.Start(start)
            ?? throw new InvalidOperationException("getmail did not start; install the Debian package getmail6.");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        clock.Stop();
        var count = Directory.GetFiles(Path.Combine(maildir, "new")).Length;
        if (process.ExitCode != 0 || count != messages)
        {
            throw new InvalidOperationException($"getmail exited with {process.ExitCode} and stored {count} of {messages} messages: {errors} {output.Result}");
        }

        return clock.Elapsed.TotalSeconds;
    }

    private static void Chown(string path)
    {
        using var chown = Process.Start("chown", ["nobody", path]) ?? throw new InvalidOperationException("chown did not start.");
        chown.WaitForExit();
    }

    /// <summary>One file per message named by its UIDL, written with one system call.</summary>
    private sealed class Pop3MaildirSink(string directory, Dictionary<int, string> uids) : IPop3RetrieveSink
    {
        private readonly MemoryStream _buffer = new(64 * 1024);

        public int Written { get; private set; }

        public ValueTask<Stream> OpenAsync(int number, CancellationToken cancellationToken)
        {
            _buffer.SetLength(0);
            return ValueTask.FromResult<Stream>(_buffer);
        }

        public ValueTask CompletedAsync(int number, Stream stream, long length, CancellationToken cancellationToken)
        {
            using var handle = File.OpenHandle(Path.Combine(directory, uids[number] + ".pop3"), FileMode.CreateNew, FileAccess.Write);
            RandomAccess.Write(handle, _buffer.GetBuffer().AsSpan(0, (int)_buffer.Length), 0);
            Written++;
            return ValueTask.CompletedTask;
        }
    }
}
