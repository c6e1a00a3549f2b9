// Grain-state and event-log throughput of the PostgreSQL provider, compared in the same run with the SQLite provider
// (the embedded default) on the same workloads, and with two PostgreSQL stores ("two silos") sharing one schema.
// Run: dotnet run -c Release --project bench/MailMesh.Bench.Storage [writes]
// PostgreSQL: MAILMESH_BENCH_POSTGRES or MAILMESH_TEST_POSTGRES (default: the test server of scripts/test-servers.sh).
using System.Diagnostics;
using System.Globalization;
using MailMesh.Runtime;
using MailMesh.Runtime.PostgreSql;
using MailMesh.Runtime.Sqlite;
using MailMesh.Runtime.Storage;
using Npgsql;

var count = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10_000;
var connectionString = Environment.GetEnvironmentVariable("MAILMESH_BENCH_POSTGRES")
    ?? Environment.GetEnvironmentVariable("MAILMESH_TEST_POSTGRES")
    ?? "Host=127.0.0.1;Port=25432;Database=maildb;Username=mailtest;Password=mailtest";
var schema = "bench_" + Guid.NewGuid().ToString("N")[..12];
var directory = Path.Combine(Path.GetTempPath(), "mailmesh-storage-bench-" + Guid.NewGuid().ToString("N"));
Directory.CreateDirectory(directory);
var payload = System.Text.Encoding.UTF8.GetBytes("{\"count\":12345,\"name\":\"inbox\",\"flags\":[\"seen\",\"flagged\"]}");

Console.WriteLine($"Machine load average before the run: {LoadAverage()}");
Console.WriteLine($"{Environment.ProcessorCount} cores, {count} operations per workload, payload {payload.Length} B");
Console.WriteLine($"PostgreSQL: {await DescribeServerAsync(connectionString)}");
Console.WriteLine();
Console.WriteLine($"{"workload",-40} {"SQLite /s",12} {"PostgreSQL /s",14} {"PG/SQLite",10}");

PostgreSqlStore? pgA = null;
PostgreSqlStore? pgB = null;
try
{
    await using var sqlite = await SqliteStore.OpenAsync(new SqliteStorageOptions { DatabasePath = Path.Combine(directory, "mailmesh.db") });
    pgA = await PostgreSqlStore.OpenAsync(new PostgreSqlStorageOptions { ConnectionString = connectionString, Schema = schema });
    pgB = await PostgreSqlStore.OpenAsync(new PostgreSqlStorageOptions { ConnectionString = connectionString, Schema = schema });
    IGrainStorage lite = new SqliteGrainStorage(sqlite);
    IGrainStorage[] pgOne = [new PostgreSqlGrainStorage(pgA)];
    IGrainStorage[] pgTwo = [new PostgreSqlGrainStorage(pgA), new PostgreSqlGrainStorage(pgB)];

    // Warm-up (JIT, pools, files) outside the measured runs.
    await Writes([lite], "warmup", 500, payload, 1, 4);
    await Writes(pgOne, "warmup", 500, payload, 1, 4);

    foreach (var (name, events, writers) in new[] { ("state only, 1 writer", 0, 1), ("state + 1 event, 1 writer", 1, 1), ("state only, 64 writers", 0, 64), ("state + 1 event, 64 writers", 1, 64) })
    {
        var key = name.Replace(' ', '-').Replace(',', '-');
        var liteRate = await Writes([lite], "l-" + key, count, payload, events, writers);
        var pgRate = await Writes(pgOne, "p-" + key, count, payload, events, writers);
        Row(name, liteRate, pgRate);
    }

    var twoSilos = await Writes(pgTwo, "two-silos", count, payload, 1, 64);
    Row("state + 1 event, 64 writers on 2 stores", null, twoSilos);
    Row("state reads, 8 readers", await Reads(lite, "l-state-only--1-writer", count), await Reads(pgOne[0], "p-state-only--1-writer", count));
    Row("event log reads, 100 per page", await ReadLog(new SqliteEventLog(sqlite), count), await ReadLog(new PostgreSqlEventLog(pgA), count));
    var gapless = await CheckGaplessAsync(new PostgreSqlEventLog(pgB));
    Console.WriteLine();
    Console.WriteLine($"PostgreSQL event log after the run: {gapless}");
}
finally
{
    if (pgA is not null)
    {
        await pgA.DisposeAsync();
    }

    if (pgB is not null)
    {
        await pgB.DisposeAsync();
    }

    await DropSchemaAsync(connectionString, schema);
    Directory.Delete(directory, recursive: true);
}

Console.WriteLine($"Machine load average after the run: {LoadAverage()}");

static void Row(string name, double? sqlite, double pg) =>
    Console.WriteLine($"{name,-40} {(sqlite is { } s ? s.ToString("N0", CultureInfo.InvariantCulture) : "-"),12} {pg,14:N0} " +
                      $"{(sqlite is { } l ? (pg / l).ToString("0.00", CultureInfo.InvariantCulture) : "-"),10}");

static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "unknown";

static async Task<double> Writes(IGrainStorage[] stores, string name, int count, byte[] payload, int eventsPerWrite, int writers)
{
    var grainsPerWriter = Math.Max(1, 1024 / writers);
    var etags = new string?[grainsPerWriter * writers];
    var perWriter = count / writers;
    var stopwatch = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
    {
        // Writers alternate between the stores; each writer owns the grains g with g % writers == w.
        var storage = stores[w % stores.Length];
        for (var i = 0; i < perWriter; i++)
        {
            var g = w + (writers * (i % grainsPerWriter));
            var grain = new GrainId("Bench.IGrain", $"acme/{name}-{g}");
            EventDraft[] events = eventsPerWrite == 0
                ? []
                : [new EventDraft(Guid.NewGuid(), "acme", "bench.written", grain.Key, DateTimeOffset.UtcNow, "{\"i\":1}")];
            etags[g] = (await storage.WriteAsync("state", grain, payload, etags[g], events)).ETag;
        }
    })));
    return perWriter * writers / stopwatch.Elapsed.TotalSeconds;
}

static async Task<double> Reads(IGrainStorage storage, string name, int count)
{
    var stopwatch = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, 8).Select(r => Task.Run(async () =>
    {
        for (var i = 0; i < count / 8; i++)
        {
            _ = await storage.ReadAsync("state", new GrainId("Bench.IGrain", $"acme/{name}-{(i * 8 + r) % 1024}"))
                ?? throw new InvalidOperationException("a state written by the write workload is missing");
        }
    })));
    return count / 8 * 8 / stopwatch.Elapsed.TotalSeconds;
}

static async Task<double> ReadLog(IEventLog log, int count)
{
    var stopwatch = Stopwatch.StartNew();
    var read = 0;
    for (var next = 1L; read < count;)
    {
        var page = await log.ReadAsync(next, 100);
        if (page.Count == 0)
        {
            break;
        }

        read += page.Count;
        next = page[^1].Sequence + 1;
    }

    return read / stopwatch.Elapsed.TotalSeconds;
}

static async Task<string> CheckGaplessAsync(IEventLog log)
{
    var (expected, total) = (1L, 0);
    while (true)
    {
        var page = await log.ReadAsync(expected, 1000);
        if (page.Count == 0)
        {
            break;
        }

        foreach (var e in page)
        {
            if (e.Sequence != expected)
            {
                return $"GAP: expected sequence {expected}, found {e.Sequence}";
            }

            expected++;
            total++;
        }
    }

    return $"{total} events, sequences 1..{expected - 1} without gaps";
}

static async Task<string> DescribeServerAsync(string connectionString)
{
    await using var connection = new NpgsqlConnection(connectionString);
    await connection.OpenAsync();
    var settings = new List<string> { "PostgreSQL " + connection.PostgreSqlVersion };
    foreach (var name in new[] { "fsync", "synchronous_commit" })
    {
        await using var show = new NpgsqlCommand($"SHOW {name}", connection);
        settings.Add($"{name}={await show.ExecuteScalarAsync()}");
    }

    return string.Join(", ", settings);
}

static async Task DropSchemaAsync(string connectionString, string schema)
{
    await using var connection = new NpgsqlConnection(connectionString);
    await connection.OpenAsync();
    await using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{schema}\" CASCADE", connection);
    await drop.ExecuteNonQueryAsync();
}
