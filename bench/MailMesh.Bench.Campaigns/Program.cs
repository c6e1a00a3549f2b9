using System.Globalization;
using MailMesh.Bench.Campaigns;

// A personalized, DKIM-signed campaign into Postfix's smtp-sink: each message composed through the campaign composer
// (Handlebars merge, tracked links, one-click unsubscribe, VERP return path, DKIM) and submitted through SmtpRelayPool,
// against Postfix's smtp-source sending the same number of same-sized messages to the same sink, in the same run.
// Usage:
//   dotnet run -c Release --project bench/MailMesh.Bench.Campaigns -- [--messages 100000] [--connections 8]
//     [--dkim rsa|ed25519|none] [--prebuilt] [--warmup 20000] [--profile]
// --profile composes --messages messages on one thread (no sending) and prints the CPU time of each composition stage.
// --prebuilt sends one pre-composed message per recipient (no composition in the timed loop): the transport alone.
// --warmup sends that many messages before the timed run (their CPU time is printed): with 2,000 the JIT was still
// tiering up the composer and the transport during a 10,000-message run; a long campaign pays that once.
// --grain runs the campaign through the product's path instead (GrainPathBench: an embedded silo from the silo host, the
// campaign grain, its worker shards, the SQLite send log), into a smtp-sink of its own that dumps what it receives, so the
// run checks that each recipient got exactly one message; smtp-source then sends the same number into that sink.
// [--shards 4] [--batch 100] set Campaigns:Shards and Campaigns:BatchSize there; --warmup is a first campaign's size.
// --counting-sink sends into the test servers' counting sink below instead (its full ceiling; only the send log's counts
// are checked then).
// The sink: 127.0.0.1:MAILMESH_TEST_SMTPSINK_PORT (scripts/test-servers.sh up smtpsink). smtp-source: /usr/sbin/smtp-source
// (Debian package postfix), run under /usr/bin/time for its CPU time.
var options = new BenchOptions(
    Messages: IntArg("--messages", 100_000),
    Connections: IntArg("--connections", 8),
    Warmup: IntArg("--warmup", 20_000),
    Dkim: StringArg("--dkim", "rsa"),
    Prebuilt: args.Contains("--prebuilt"),
    Host: Environment.GetEnvironmentVariable("MAILMESH_TEST_SMTPSINK_HOST") ?? "127.0.0.1",
    Port: int.Parse(Environment.GetEnvironmentVariable("MAILMESH_TEST_SMTPSINK_PORT") ?? "22526", CultureInfo.InvariantCulture),
    Profile: args.Contains("--profile"));
return args.Contains("--grain")
    ? await GrainPathBench.RunAsync(options, IntArg("--shards", 4), IntArg("--batch", 100), args.Contains("--counting-sink"))
    : await CampaignBench.RunAsync(options);

int IntArg(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
}

string StringArg(string name, string fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}
