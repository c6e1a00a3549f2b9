using System.Diagnostics;
using System.Globalization;
using System.Text;
using Bogus;
using MailMesh.Audience.ReadModel;
using MailMesh.Bench.Audience;
using MailMesh.Grains.Contacts;
using MailMesh.Runtime;
using MailMesh.Runtime.Hosting;
using MailMesh.Runtime.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

// Import of N generated contacts (Bogus, seeded) through the import grain of an embedded silo (SQLite state, event log
// and contacts read model), against the same CSV bulk-loaded by the sqlite3 shell (.import into one table, no checks,
// no events: the floor of what writing those rows costs) in the same run; the issue's target is 1,000,000 rows in a
// few minutes (180 s). Then the segment counts of SegmentBench over the imported read model. `segments [N]` runs only
// the segment counts, over N contacts written straight into the read model (the target is under 1 s at 1,000,000).
if (args.Length > 0 && args[0] == "segments")
{
    // Segment counts over read-model rows written directly (see SegmentBench): `segments [N]`.
    await SegmentBench.RunAsync(args[1..]);
    return;
}

var rows = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
var batch = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1000;
var directory = Directory.CreateTempSubdirectory("mailmesh-bench-audience-").FullName;
try
{
    var csv = Path.Combine(directory, "contacts.csv");
    var generate = Stopwatch.StartNew();
    Generate(csv, rows);
    Console.WriteLine($"generated {rows:N0} contacts ({new FileInfo(csv).Length / 1e6:F1} MB) in {generate.Elapsed.TotalSeconds:F1} s");

    var peerCpuBefore = CpuTime.Children();
    var peer = SqliteShellImport(csv, Path.Combine(directory, "peer.db"));
    var peerCpu = CpuTime.Children() - peerCpuBefore;
    Console.WriteLine($"sqlite3 .import: {peer.TotalSeconds:F2} s ({rows / peer.TotalSeconds:N0} rows/s); CPU {peerCpu.TotalSeconds:F2} s (user+sys of the sqlite3 process)");

    Console.WriteLine($"load average before the import: {LoadAverage()}");
    var importCpuBefore = CpuTime.Self();
    var (userBefore, systemBefore) = CpuTime.SelfSplit();
    var ioBefore = CpuTime.Io();
    var (elapsed, status, readModel, steady) = await ImportAsync(directory, csv, batch);
    var importCpu = CpuTime.Self() - importCpuBefore;
    var (userAfter, systemAfter) = CpuTime.SelfSplit();
    var ioAfter = CpuTime.Io();
    Console.WriteLine($"MailMesh import: {elapsed.TotalSeconds:F2} s ({rows / elapsed.TotalSeconds:N0} rows/s); {status.Created:N0} created, {status.Invalid:N0} invalid, {status.Merged:N0} merged");
    Console.WriteLine($"MailMesh import CPU: {importCpu.TotalSeconds:F2} s (user+sys of this process, silo start included; {importCpu.TotalMicroseconds / rows:F0} us per row); CPU ratio MailMesh/sqlite3: {importCpu.TotalSeconds / Math.Max(peerCpu.TotalSeconds, 0.01):F1}x");
    Console.WriteLine($"MailMesh import CPU from upload to completion (silo start excluded): {steady.Cpu.TotalSeconds:F2} s, {steady.Cpu.TotalMicroseconds / rows:F0} us per row; " +
        $"allocated {steady.Allocated / (double)rows:N0} bytes per row; GC pauses {steady.GcPause.TotalSeconds:F2} s; collections gen0/1/2 {steady.Collections}");
    Console.WriteLine($"MailMesh import CPU split: user {(userAfter - userBefore).TotalSeconds:F2} s ({(userAfter - userBefore).TotalMicroseconds / rows:F0} us per row), " +
        $"system {(systemAfter - systemBefore).TotalSeconds:F2} s ({(systemAfter - systemBefore).TotalMicroseconds / rows:F0} us per row)");
    Console.WriteLine($"MailMesh import I/O: {(ioAfter.Written - ioBefore.Written) / 1e6:N0} MB written by the process ({(ioAfter.Written - ioBefore.Written) / (double)rows:N0} bytes per row; " +
        $"{(ioAfter.ToDisk - ioBefore.ToDisk) / 1e6:N0} MB reached the block layer), {(ioAfter.Read - ioBefore.Read) / 1e6:N0} MB read");
    Console.WriteLine($"files: {FileSizes(directory)}");
    Console.WriteLine($"load average after the import: {LoadAverage()}");
    Console.WriteLine($"ratio MailMesh/sqlite3 time: {elapsed.TotalSeconds / peer.TotalSeconds:F1}x; target 180 s for 1,000,000 rows: {(rows == 1_000_000 ? (elapsed.TotalSeconds <= 180 ? "met" : "not met") : "n/a (not 1,000,000 rows)")}");

    await SegmentBench.CountAsync(readModel, DateTimeOffset.UtcNow);
}
finally
{
    Directory.Delete(directory, recursive: true);
}

static void Generate(string path, int rows)
{
    Randomizer.Seed = new Random(7);
    var faker = new Faker("fr");
    string[] tiers = ["gold", "premium", "silver", "bronze"];
    string[] countries = ["FR", "BE", "CH", "DE", "ES", "IT", "LU", "NL"];
    string[] interests = ["golf", "wine", "travel", "books", "music", "cooking", "tennis", "cinema"];
    using var writer = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 16);
    writer.WriteLine("email,first_name,last_name,city,country,tier,total_spent,purchase_count,birth_date,interests");
    for (var i = 0; i < rows; i++)
    {
        var first = faker.Name.FirstName();
        var last = faker.Name.LastName();
        writer.WriteLine(string.Join(',',
            $"{Ascii(first)}.{Ascii(last)}.{i}@{faker.PickRandom("example.com", "example.org", "example.net", "mail.example")}",
            Field(first), Field(last), Field(faker.Address.City()), faker.PickRandom(countries), faker.PickRandom(tiers),
            faker.Random.Double(0, 5000).ToString("F2", CultureInfo.InvariantCulture), faker.Random.Int(0, 80).ToString(CultureInfo.InvariantCulture),
            faker.Date.Between(new DateTime(1940, 1, 1), new DateTime(2006, 1, 1)).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            string.Join(';', faker.PickRandom(interests, faker.Random.Int(0, 3)))));
    }
}

static string Field(string text) => text.Replace(",", " ", StringComparison.Ordinal).Replace("\"", "", StringComparison.Ordinal);

static string Ascii(string name) =>
    new string(name.Normalize(NormalizationForm.FormD).Where(char.IsAsciiLetter).ToArray()).ToLowerInvariant();

static TimeSpan SqliteShellImport(string csv, string database)
{
    var watch = Stopwatch.StartNew();
    var start = new ProcessStartInfo("sqlite3", [database]) { RedirectStandardInput = true, UseShellExecute = false };
    using var process = Process.Start(start)!;
    process.StandardInput.WriteLine("PRAGMA journal_mode=WAL;");
    process.StandardInput.WriteLine($".import --csv '{csv}' contacts");
    process.StandardInput.WriteLine("CREATE UNIQUE INDEX contacts_email ON contacts (email);");
    process.StandardInput.Close();
    process.WaitForExit();
    return watch.Elapsed;
}

static string FileSizes(string directory) =>
    string.Join(", ", Directory.GetFiles(directory).Where(f => !f.EndsWith(".csv", StringComparison.Ordinal))
        .Select(f => $"{Path.GetFileName(f)} {new FileInfo(f).Length / 1e6:N0} MB"));

static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "unknown";

static async Task<(TimeSpan Elapsed, ImportStatus Status, IContactReadModel ReadModel, (TimeSpan Cpu, long Allocated, TimeSpan GcPause, string Collections) Steady)> ImportAsync(
    string directory, string csv, int batch)
{
    var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["Audience:ImportBatchSize"] = batch.ToString(CultureInfo.InvariantCulture),
    }).Build();
    var silo = await new SiloBuilder().ConfigureServices(services =>
    {
        services.AddSingleton<IConfiguration>(configuration);
        services.AddMailMeshSqliteStorage(o => o.DatabasePath = Path.Combine(directory, "silo.db"));
        services.AddAudience(configuration, directory);
    }).StartAsync();
    var events = silo.Services.GetRequiredService<IEventLog>();
    var import = silo.GrainFactory.GetGrain<IContactImportGrain>("bench/import-1");
    var watch = Stopwatch.StartNew();
    var cpuBefore = CpuTime.Self();
    var allocatedBefore = GC.GetTotalAllocatedBytes();
    var pauseBefore = GC.GetTotalPauseDuration();
    int[] collectionsBefore = [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)];
    await import.Create(new ImportDefinition("contacts.csv", ImportFormat.Csv, Lists: ["newsletter"], ConsentPurpose: "newsletter"));
    await using (var file = File.OpenRead(csv))
    {
        var buffer = new byte[4 * 1024 * 1024];
        long offset = 0;
        int read;
        while ((read = await file.ReadAsync(buffer)) > 0)
        {
            offset = await import.AppendChunk(offset, buffer[..read]);
        }

        await import.Start(offset);
    }

    long after = await events.GetLastSequenceAsync();
    long lastReport = 0;
    while (true)
    {
        var status = await import.GetStatus();
        if (status.State is not (ImportState.Running or ImportState.Uploading))
        {
            watch.Stop();
            var collections = $"{GC.CollectionCount(0) - collectionsBefore[0]}/{GC.CollectionCount(1) - collectionsBefore[1]}/{GC.CollectionCount(2) - collectionsBefore[2]}";
            return (watch.Elapsed, status, silo.Services.GetRequiredService<IContactReadModel>(),
                (CpuTime.Self() - cpuBefore, GC.GetTotalAllocatedBytes() - allocatedBefore, GC.GetTotalPauseDuration() - pauseBefore, collections));
        }

        if (status.RowsRead - lastReport >= 100_000)
        {
            lastReport = status.RowsRead;
            Console.WriteLine($"  {status.RowsRead:N0} rows after {watch.Elapsed.TotalSeconds:F0} s");
        }

        after = await events.GetLastSequenceAsync();
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            await events.WaitForEventsAsync(after, wait.Token);
        }
        catch (OperationCanceledException) when (wait.IsCancellationRequested)
        {
            // No event for 2 s: poll the status again.
        }
    }
}
