#:project ../../../silo/MailMesh.Runtime.Sqlite/MailMesh.Runtime.Sqlite.csproj
#:property TreatWarningsAsErrors=true
#:property Nullable=enable
#:property IsTestProject=false
// Write/read throughput of the SQLite storage provider, compared in the same run with the ceiling of the same
// SQL on one raw Microsoft.Data.Sqlite connection (prepared statements, one transaction per write, no checks).
// Run: dotnet run -c Release tests/MailMesh.Runtime.Sqlite.Tests/Benchmarks/StorageBench.cs [writes]
using System.Diagnostics;
using MailMesh.Runtime;
using MailMesh.Runtime.Sqlite;
using MailMesh.Runtime.Storage;
using Microsoft.Data.Sqlite;

var count = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 20_000;
var directory = Path.Combine(Path.GetTempPath(), "mailmesh-storage-bench-" + Guid.NewGuid().ToString("N"));
Directory.CreateDirectory(directory);
var payload = System.Text.Encoding.UTF8.GetBytes("{\"count\":12345,\"name\":\"inbox\",\"flags\":[\"seen\",\"flagged\"]}");
Console.WriteLine($"Machine load average before the run: {LoadAverage()}");
Console.WriteLine($"SQLite {SqliteConnectionVersion()}, {Environment.ProcessorCount} cores, {count} writes per run, payload {payload.Length} B");

try
{
    // Warm-up (JIT, file creation) outside the measured runs.
    RawCeiling(Path.Combine(directory, "warmup.db"), 500, payload, quiet: true);
    Ceiling = RawCeiling(Path.Combine(directory, "raw.db"), count, payload);
    await using var store = await SqliteStore.OpenAsync(new SqliteStorageOptions { DatabasePath = Path.Combine(directory, "mailmesh.db") });
    var storage = new SqliteGrainStorage(store);
    await Writes(storage, "warmup", 500, payload, eventsPerWrite: 1, writers: 4, quiet: true);
    await Writes(storage, "plain", count, payload, eventsPerWrite: 0, writers: 1);
    await Writes(storage, "event", count, payload, eventsPerWrite: 1, writers: 1);
    await Writes(storage, "concurrent", count, payload, eventsPerWrite: 0, writers: 64);
    await Writes(storage, "concurrent-event", count, payload, eventsPerWrite: 1, writers: 64);
    await Reads(storage, count);
}
finally
{
    Directory.Delete(directory, recursive: true);
}

static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "unknown";

static string SqliteConnectionVersion()
{
    using var connection = new SqliteConnection("Data Source=:memory:");
    connection.Open();
    return connection.ServerVersion;
}

static TimeSpan Cpu() => Process.GetCurrentProcess().TotalProcessorTime;

static void Report(string what, double perSecond, TimeSpan cpu, int operations, double? ceiling = null) =>
    Console.WriteLine($"{what,-44} {perSecond,10:N0} /s   cpu {cpu.TotalMicroseconds / operations,6:N1} us/op" +
                      (ceiling is { } c ? $"   {perSecond / c,5:P0} of ceiling" : ""));

static async Task<double> Writes(IGrainStorage storage, string name, int count, byte[] payload, int eventsPerWrite, int writers, bool quiet = false)
{
    var cpu = Cpu();
    var grainsPerWriter = Math.Max(1, 1024 / writers);
    var etags = new string?[grainsPerWriter * writers];
    var perWriter = count / writers;
    var stopwatch = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
    {
        for (var i = 0; i < perWriter; i++)
        {
            // Each writer owns the grains g with g % writers == w, so ETags never conflict.
            var g = w + (writers * (i % grainsPerWriter));
            var grain = new GrainId("Bench.IGrain", $"acme/{name}-{g}");
            var events = eventsPerWrite == 0
                ? Array.Empty<EventDraft>()
                : [new EventDraft(Guid.NewGuid(), "acme", "bench.written", grain.Key, DateTimeOffset.UtcNow, "{\"i\":1}")];
            var result = await storage.WriteAsync("state", grain, payload, etags[g], events);
            etags[g] = result.ETag;
        }
    })));
    var rate = perWriter * writers / stopwatch.Elapsed.TotalSeconds;
    if (!quiet)
    {
        Report($"provider, {(eventsPerWrite == 0 ? "state only" : "state + 1 event")}, {writers} writer(s)", rate, Cpu() - cpu, perWriter * writers, Ceiling);
    }

    return rate;
}

static async Task<double> Reads(IGrainStorage storage, int count)
{
    var cpu = Cpu();
    var stopwatch = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, 8).Select(r => Task.Run(async () =>
    {
        for (var i = 0; i < count / 8; i++)
        {
            _ = await storage.ReadAsync("state", new GrainId("Bench.IGrain", $"acme/plain-{(i * 8 + r) % 1024}"));
        }
    })));
    var rate = count / 8 * 8 / stopwatch.Elapsed.TotalSeconds;
    Report("provider, state reads, 8 readers", rate, Cpu() - cpu, count / 8 * 8);
    return rate;
}

static double RawCeiling(string path, int count, byte[] payload, bool quiet = false)
{
    var cpu = Cpu();
    using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
    connection.Open();
    Execute(connection, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;");
    Execute(connection, "CREATE TABLE grain_state (state_name TEXT NOT NULL, grain_type TEXT NOT NULL, grain_key TEXT NOT NULL, etag TEXT NOT NULL, payload BLOB NOT NULL, updated_at TEXT NOT NULL, PRIMARY KEY (state_name, grain_type, grain_key)) WITHOUT ROWID;");
    using var begin = Prepare(connection, "BEGIN IMMEDIATE;");
    using var commit = Prepare(connection, "COMMIT;");
    using var upsert = Prepare(connection, "INSERT INTO grain_state VALUES ($s, $t, $k, $e, $p, $u) ON CONFLICT (state_name, grain_type, grain_key) DO UPDATE SET etag = excluded.etag, payload = excluded.payload, updated_at = excluded.updated_at;", "$s", "$t", "$k", "$e", "$p", "$u");
    var stopwatch = Stopwatch.StartNew();
    for (var i = 0; i < count; i++)
    {
        begin.ExecuteNonQuery();
        upsert.Parameters[0].Value = "state";
        upsert.Parameters[1].Value = "Bench.IGrain";
        upsert.Parameters[2].Value = $"acme/raw-{i % 1000}";
        upsert.Parameters[3].Value = Guid.NewGuid().ToString("N");
        upsert.Parameters[4].Value = payload;
        upsert.Parameters[5].Value = "2026-01-01T00:00:00Z";
        upsert.ExecuteNonQuery();
        commit.ExecuteNonQuery();
    }

    var rate = count / stopwatch.Elapsed.TotalSeconds;
    if (!quiet)
    {
        Report("raw Microsoft.Data.Sqlite upsert (ceiling)", rate, Cpu() - cpu, count);
    }

    return rate;
}

static void Execute(SqliteConnection connection, string sql)
{
    using var command = Prepare(connection, sql);
    command.ExecuteNonQuery();
}

static SqliteCommand Prepare(SqliteConnection connection, string sql, params string[] parameters)
{
    var command = connection.CreateCommand();
    command.CommandText = sql;
    foreach (var name in parameters)
    {
        command.Parameters.Add(new SqliteParameter { ParameterName = name });
    }

    return command;
}

internal partial class Program
{
    private static double Ceiling { get; set; }
}
