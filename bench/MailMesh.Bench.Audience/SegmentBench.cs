using System.Diagnostics;
using System.Globalization;
using Bogus;
using MailMesh.Audience.Contacts;
using MailMesh.Audience.ReadModel;
using MailMesh.Audience.Segments;
using MailMesh.Grains.Contacts;

namespace MailMesh.Bench.Audience;

/// <summary>Segment counts at scale: N generated contacts (Bogus, seeded) written straight into a SQLite contacts read
/// model through its writer (not through grains or imports), then the segment language's 1-, 3- and 5-condition
/// expressions compiled and counted (best and median of 5, wall and process CPU time). Target: 5 conditions over
/// 1,000,000 contacts under 1 s.</summary>
internal static class SegmentBench
{
    public static readonly (string Name, string Expression)[] Segments =
    [
        ("1 condition", "country = \"FR\""),
        ("3 conditions", "country in (\"FR\", \"BE\") and tier = \"gold\" and in list \"newsletter\""),
        ("5 conditions", "country in (\"FR\", \"BE\") and tier = \"gold\" and opened within 90d and not clicked within 365d and total_spent > 1000"),
        ("5 conditions, list and interests", "in list \"newsletter\" and interests contains \"golf\" and birth_date < 1970-01-01 and not suppressed and purchase_count >= 10"),
    ];

    public static async Task RunAsync(string[] args)
    {
        var rows = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
        var directory = Directory.CreateTempSubdirectory("mailmesh-bench-segments-").FullName;
        try
        {
            await using var model = new SqliteContactReadModel(Path.Combine(directory, "contacts.db"));
            await model.InitializeAsync();
            var now = DateTimeOffset.UtcNow;
            var load = Stopwatch.StartNew();
            await LoadAsync(model, rows, now);
            Console.WriteLine($"wrote {rows:N0} contacts into the read model in {load.Elapsed.TotalSeconds:F1} s ({rows / load.Elapsed.TotalSeconds:N0} rows/s); file {new FileInfo(Path.Combine(directory, "contacts.db")).Length / 1e6:F0} MB");
            await CountAsync(model, now);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task LoadAsync(SqliteContactReadModel model, int rows, DateTimeOffset now)
    {
        Randomizer.Seed = new Random(7);
        var faker = new Faker("fr");
        string[] tiers = ["gold", "premium", "silver", "bronze"];
        string[] countries = ["FR", "BE", "CH", "DE", "ES", "IT", "LU", "NL"];
        string[] interests = ["golf", "wine", "travel", "books", "music", "cooking", "tennis", "cinema"];
        var pending = new List<Task>(10_000);
        for (var i = 0; i < rows; i++)
        {
            var address = $"c{i}@{faker.PickRandom("example.com", "example.org", "example.net", "mail.example")}";
            var attributes = new Dictionary<string, AttributeValue>(StringComparer.Ordinal)
            {
                ["first_name"] = AttributeValue.Of(faker.Name.FirstName()),
                ["last_name"] = AttributeValue.Of(faker.Name.LastName()),
                ["city"] = AttributeValue.Of(faker.Address.City()),
                ["country"] = AttributeValue.Of(faker.PickRandom(countries)),
                ["tier"] = AttributeValue.Of(faker.PickRandom(tiers)),
                ["total_spent"] = AttributeValue.Of(Math.Round(faker.Random.Double(0, 5000), 2)),
                ["purchase_count"] = AttributeValue.Of((double)faker.Random.Int(0, 80)),
                ["birth_date"] = AttributeValue.Of(new DateTimeOffset(faker.Date.Between(new DateTime(1940, 1, 1), new DateTime(2006, 1, 1)).Date, TimeSpan.Zero)),
                ["last_purchase_at"] = AttributeValue.Of(now.AddDays(-faker.Random.Int(0, 900))),
                ["interests"] = AttributeValue.Of(faker.PickRandom(interests, faker.Random.Int(0, 3)).ToArray()),
            };
            var engagement = new ContactEngagement(
                faker.Random.Bool(0.6f) ? now.AddDays(-faker.Random.Int(0, 400)) : null, faker.Random.Bool(0.3f) ? now.AddDays(-faker.Random.Int(0, 800)) : null,
                faker.Random.Int(0, 50), faker.Random.Int(0, 10), faker.Random.Int(0, 100), faker.PickRandom("active", "inactive", null));
            List<Suppression> suppressions = faker.Random.Int(0, 49) == 0 ? [new Suppression("*", SuppressionReason.HardBounced, now)] : [];
            List<string> lists = faker.Random.Bool(0.7f) ? ["newsletter"] : [];
            var created = now.AddDays(-faker.Random.Int(0, 1000));
            pending.Add(model.UpsertAsync(new ContactInfo("bench", address, address, attributes, lists, [], suppressions, engagement, false, created, created, 1)));
            if (pending.Count == pending.Capacity)
            {
                await Task.WhenAll(pending);
                pending.Clear();
            }

            if ((i + 1) % 200_000 == 0)
            {
                Console.WriteLine($"  {i + 1:N0} contacts written");
            }
        }

        await Task.WhenAll(pending);
    }

    /// <summary>Times the segments over the tenant <c>bench</c> of <paramref name="readModel"/> (SQLite only).</summary>
    public static async Task CountAsync(IContactReadModel readModel, DateTimeOffset now)
    {
        if (readModel is not SqliteContactReadModel model)
        {
            return;
        }

        var fields = new SegmentFields(new AttributeSchema(StandardAttributes.All, 0), await model.GetSlotsAsync("bench"));
        Console.WriteLine("| segment | matches | best wall | median wall | median CPU | target |");
        Console.WriteLine("|---|---|---|---|---|---|");
        foreach (var (name, expression) in Segments)
        {
            var query = SegmentSqlCompiler.Compile(SegmentParser.Parse(expression, fields, now), SqlDialect.Sqlite);
            var walls = new List<double>();
            var cpus = new List<double>();
            long count = 0;
            for (var run = 0; run < 5; run++)
            {
                var process = Process.GetCurrentProcess();
                var cpu = process.TotalProcessorTime;
                var watch = Stopwatch.StartNew();
                count = await model.CountMatchingAsync("bench", query);
                walls.Add(watch.Elapsed.TotalMilliseconds);
                process.Refresh();
                cpus.Add((process.TotalProcessorTime - cpu).TotalMilliseconds);
            }

            walls.Sort();
            cpus.Sort();
            var target = name.StartsWith("5 ", StringComparison.Ordinal) ? (walls[2] < 1000 ? "< 1 s met" : "< 1 s NOT met") : "";
            Console.WriteLine($"| {name}: `{expression}` | {count:N0} | {walls[0]:F0} ms | {walls[2]:F0} ms | {cpus[2]:F0} ms | {target} |");
        }
    }
}
