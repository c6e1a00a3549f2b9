using System.Diagnostics;
using System.Globalization;

namespace MailMesh.Bench.Sync;

/// <summary>The peer tools, each syncing into a fresh Maildir; each returns its wall and CPU time in seconds.</summary>
internal static class Peers
{
    public static double Mbsync(BenchServer server, string folder, int count, string directory) => MbsyncRun(server, folder, count, directory).Seconds;

    /// <summary>mbsync's wall time and its CPU time (user + system of the child, from getrusage).</summary>
    public static (double Seconds, double Cpu) MbsyncRun(BenchServer server, string folder, int count, string directory)
    {
        var maildir = Path.Combine(directory, "maildir");
        Directory.CreateDirectory(maildir);
        var config = Path.Combine(directory, "mbsyncrc");
        File.WriteAllText(config, $"""
            FSync no

            IMAPAccount bench
            Host {server.Host}
            Port {server.ImapPort}
            User {server.User}
            Pass {server.Password}
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
        var cpu = CpuClock.Children();
        var (elapsed, exit, errors) = Run(new ProcessStartInfo("mbsync", ["-q", "-c", config, "bench"]));
        cpu = CpuClock.Children() - cpu;
        var stored = Count(Path.Combine(maildir, folder));
        return exit == 0 && stored == count ? (elapsed, cpu) : throw new InvalidOperationException($"mbsync exited with {exit} and stored {stored} of {count} messages: {errors}");
    }

    /// <summary>getmail6 (SimplePOP3Retriever into a Maildir, leaving mail on the server). It refuses to deliver as
    /// root, so it runs as nobody when the bench is root. Returns its wall and CPU time (child rusage).</summary>
    public static (double Seconds, double Cpu) Getmail(BenchServer server, int count, string directory)
    {
        var maildir = MakeMaildir(directory);
        var state = Path.Combine(directory, "getmail");
        Directory.CreateDirectory(state);
        File.WriteAllText(Path.Combine(state, "getmailrc"), $"""
            [retriever]
            type = SimplePOP3Retriever
            server = {server.Host}
            port = {server.Pop3Port.ToString(CultureInfo.InvariantCulture)}
            username = {server.Pop3User}
            password = {server.Pop3Password}

            [destination]
            type = Maildir
            path = {maildir}/

            [options]
            read_all = true
            delete = false
            verbose = 0

            """);
        BenchServer.Chown(directory, "nobody");
        var cpu = CpuClock.Children();
        var (elapsed, exit, errors) = Run(AsNobody("getmail", ["--getmaildir", state, "--rcfile", "getmailrc"]));
        cpu = CpuClock.Children() - cpu;
        var stored = Count(maildir);
        return exit == 0 && stored == count ? (elapsed, cpu) : throw new InvalidOperationException($"getmail exited with {exit} and stored {stored} of {count} messages: {errors}");
    }

    /// <summary>fetchmail (POP3, keep, plain connection) delivering each message with a one-line MDA into a Maildir.
    /// Returns its wall and CPU time (child rusage, the MDA's processes included).</summary>
    public static (double Seconds, double Cpu) Fetchmail(BenchServer server, int count, string directory)
    {
        var maildir = MakeMaildir(directory);
        var rc = Path.Combine(directory, "fetchmailrc");
        File.WriteAllText(rc, $"""
            set no bouncemail
            poll {server.Host} service {server.Pop3Port.ToString(CultureInfo.InvariantCulture)} protocol POP3 auth password uidl
              user "{server.Pop3User}" password "{server.Pop3Password}" is nobody here
              keep fetchall sslproto '' mda "cat > {maildir}/new/fetchmail.$$"

            """);
        BenchServer.Chown(directory, "nobody");
        File.SetUnixFileMode(rc, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        // runuser resets HOME to nobody's (which does not exist, and fetchmail insists on one): set it through env.
        var start = AsNobody("env", [$"HOME={directory}", "fetchmail", "--nodetach", "--silent", "-f", rc, "--pidfile", Path.Combine(directory, "fetchmail.pid")]);
        var cpu = CpuClock.Children();
        var (elapsed, exit, errors) = Run(start);
        cpu = CpuClock.Children() - cpu;
        var stored = Count(maildir);
        return exit == 0 && stored == count ? (elapsed, cpu) : throw new InvalidOperationException($"fetchmail exited with {exit} and stored {stored} of {count} messages: {errors}");
    }

    private static string MakeMaildir(string directory)
    {
        var maildir = Path.Combine(directory, "maildir");
        foreach (var sub in new[] { "cur", "new", "tmp" })
        {
            Directory.CreateDirectory(Path.Combine(maildir, sub));
        }

        // Reachable by nobody through the bench's 0700 temporary directory.
        File.SetUnixFileMode(Path.GetDirectoryName(directory)!, (UnixFileMode)0b111_101_101);
        return maildir;
    }

    private static ProcessStartInfo AsNobody(string tool, string[] arguments) =>
        Environment.UserName == "root" ? new ProcessStartInfo("runuser", ["-u", "nobody", "--", tool, .. arguments]) : new ProcessStartInfo(tool, arguments);

    private static int Count(string maildir) =>
        Directory.EnumerateFiles(Path.Combine(maildir, "cur")).Count() + Directory.EnumerateFiles(Path.Combine(maildir, "new")).Count();

    private static (double Seconds, int Exit, string Errors) Run(ProcessStartInfo start)
    {
        start.RedirectStandardError = true;
        start.RedirectStandardOutput = true;
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{start.FileName} did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        clock.Stop();
        return (clock.Elapsed.TotalSeconds, process.ExitCode, errors + output.Result);
    }
}
