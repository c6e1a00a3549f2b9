using System.Globalization;
using MailMesh.Bench.Sync;

// Mailbox sync into the embedded silo (fetch, parse headers, store blobs, write index, commit events) compared in
// the same run with the named peers. Needs scripts/test-servers.sh up dovecot, and root (the bench writes into
// Dovecot's Maildir as vmail). Modes (one per run; see docs/benchmarks.md, "Mailbox sync benchmark"):
//   imap [messages=10000] [--rounds 3] [--fresh-silo]
//                                        initial IMAP sync vs mbsync (isync), then incremental sync of 100 new messages;
//                                        each round syncs a new mailbox in one running silo warmed by an untimed sync
//                                        (--fresh-silo: a new silo per round, as before 2026-11-23 03:00 UTC)
//   pop3 [messages=500] [--rounds 1]     POP3 sync vs getmail6 and fetchmail (each skipped, with a note, when missing)
//   memory [attachment MB=50]            peak working set added by syncing one message with a large attachment
//   profile [messages=10000] [--passes 2] [--sync-only]
//                                        where the time goes: fetch alone, blob store alone, full sync with its batch
//                                        phases and CPU time; --sync-only runs just the sync passes (for a profiler)
var mode = args.Length > 0 ? args[0] : "imap";
var count = args.Length > 1 && !args[1].StartsWith("--", StringComparison.Ordinal) ? int.Parse(args[1], CultureInfo.InvariantCulture) : 0;
var rounds = Arg("--rounds");
var server = BenchServer.FromEnvironment();
return mode switch
{
    "imap" => await ImapSyncBench.RunAsync(server, count > 0 ? count : 10_000, rounds ?? 3, args.Contains("--fresh-silo")),
    "pop3" => await Pop3SyncBench.RunAsync(server, count > 0 ? count : 500, rounds ?? 1),
    "memory" => await MemoryBench.RunAsync(server, count > 0 ? count : 50),
    "profile" => await ProfileBench.RunAsync(server, count > 0 ? count : 10_000, Arg("--passes") ?? 2, args.Contains("--sync-only")),
    _ => Usage(),
};

int? Arg(string name)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : null;
}

static int Usage()
{
    Console.Error.WriteLine("usage: MailMesh.Bench.Sync imap|pop3|memory|profile [count] [--rounds N]");
    return 2;
}
