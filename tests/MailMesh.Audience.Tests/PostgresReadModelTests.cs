using MailMesh.Audience.PostgreSql;
using MailMesh.Audience.ReadModel;
using MailMesh.Audience.Segments;
using MailMesh.Grains.Contacts;
using MailMesh.Runtime.PostgreSql;
using MailMesh.Testing;
using Npgsql;

namespace MailMesh.Audience.Tests;

/// <summary>The PostgreSQL contacts read model on the test server (scripts/test-servers.sh), each test in a schema of
/// its own: the same segment checks as SQLite (SQL count and first page against the in-memory evaluation), migrations
/// of silos starting together, slots given by two silos at once, version fencing and deletes.</summary>
public sealed class PostgresReadModelTests
{
    [ServerFact(Server.Postgres)]
    public async Task CountMatching_EveryOperatorOverGeneratedContacts_EqualsInMemoryEvaluation()
    {
        await using var database = await Database.CreateAsync();
        var model = await database.ModelAsync();
        var contacts = SegmentTestData.Contacts("acme", 600);
        await Task.WhenAll(contacts.Select(c => model.UpsertAsync(c)));
        await Task.WhenAll(SegmentTestData.Contacts("other", 100, seed: 5).Select(c => model.UpsertAsync(c)));

        await SegmentTestData.AssertAgreeAsync(model, "acme", contacts, SegmentTestData.Expressions);
        Assert.Equal(600, await model.CountAsync("acme"));
    }

    [ServerFact(Server.Postgres)]
    public async Task CountMatching_HostileTextAndOverflowAttributes_StayParametersAndAgree()
    {
        await using var database = await Database.CreateAsync();
        var model = await database.ModelAsync();
        var custom = Enumerable.Range(0, SlotColumns.TextCount + 3).Select(i => new AttributeDefinition($"extra{i:D2}", AttributeType.String)).ToList();
        var contacts = Enumerable.Range(0, 60).Select(i => new ContactInfo("wide", $"u{i:D2}@example.com", $"u{i:D2}@example.com",
            custom.ToDictionary(a => a.Name, a => AttributeValue.Of((i % 3).ToString(System.Globalization.CultureInfo.InvariantCulture))),
            [], [], [], new ContactEngagement(), false, SegmentTestData.Now, SegmentTestData.Now, 1)).ToList();
        await Task.WhenAll(contacts.Select(c => model.UpsertAsync(c)));
        var fields = new SegmentFields(new AttributeSchema(custom, 1), await model.GetSlotsAsync("wide"));

        foreach (var expression in new[] { "extra42 = \"1\"", "not extra41 = \"2\" and extra00 < \"2\"", "extra40 = \"'; DROP TABLE contacts; --\"", "extra00 = \"x\\\" OR 1=1 --\"" })
        {
            var predicate = SegmentParser.Parse(expression, fields, SegmentTestData.Now);
            var query = model.Compile(predicate);
            Assert.DoesNotContain("DROP", query.Where, StringComparison.Ordinal);
            Assert.Equal(contacts.Count(c => SegmentEvaluator.Matches(predicate, c)), await model.CountMatchingAsync("wide", query));
        }

        Assert.Equal(60, await model.CountAsync("wide"));
    }

    [ServerFact(Server.Postgres)]
    public async Task InitializeAsync_SilosStartingTogether_ApplyTheStepsOnce()
    {
        await using var database = await Database.CreateAsync();
        var stores = new List<PostgreSqlStore>();
        for (var i = 0; i < 3; i++)
        {
            stores.Add(await PostgreSqlStore.OpenAsync(database.Options));
        }

        try
        {
            await Task.WhenAll(stores.Select(s => new PostgreSqlContactReadModel(s).InitializeAsync()));
            await new PostgreSqlContactReadModel(stores[0]).InitializeAsync();

            await using var connection = new NpgsqlConnection(TestServers.PostgresConnectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(
                $"SELECT count(*) FROM information_schema.tables WHERE table_schema = @s AND table_name IN ('contacts', 'contact_search', 'contact_slots', 'segment_members')", connection);
            command.Parameters.AddWithValue("s", database.Schema);
            Assert.Equal(4L, await command.ExecuteScalarAsync());
        }
        finally
        {
            foreach (var store in stores)
            {
                await store.DisposeAsync();
            }
        }
    }

    [ServerFact(Server.Postgres)]
    public async Task UpsertAsync_TwoSilosMeetNewAttributesAtOnce_GiveEachOneSlot()
    {
        await using var database = await Database.CreateAsync();
        var first = await database.ModelAsync();
        await using var otherStore = await PostgreSqlStore.OpenAsync(database.Options);
        var second = new PostgreSqlContactReadModel(otherStore);
        var names = Enumerable.Range(0, 12).Select(i => $"attr{i:D2}").ToArray();
        ContactInfo Contact(int i, IEnumerable<string> attributes) => new("acme", $"c{i}@example.com", $"c{i}@example.com",
            attributes.ToDictionary(n => n, n => AttributeValue.Of(n + "-value")), [], [], [], new ContactEngagement(), false, SegmentTestData.Now, SegmentTestData.Now, 1);

        await Task.WhenAll(Enumerable.Range(0, 20).Select(i => (i % 2 == 0 ? first : second).UpsertAsync(Contact(i, i % 2 == 0 ? names : names.Reverse()))));

        var slots = await first.GetSlotsAsync("acme");
        Assert.Equal(names.Length, slots.Count);
        Assert.Equal(names.Length, slots.Values.Select(s => s.Index).Distinct().Count());
        var schema = new AttributeSchema(names.Select(n => new AttributeDefinition(n, AttributeType.String)).ToArray(), 1);
        var fields = new SegmentFields(schema, slots);
        var all = string.Join(" and ", names.Select(n => $"{n} = \"{n}-value\""));
        Assert.Equal(20, await second.CountMatchingAsync("acme", second.Compile(SegmentParser.Parse(all, fields, SegmentTestData.Now))));
    }

    [ServerFact(Server.Postgres)]
    public async Task UpsertDeleteAndSnapshots_BehaveAsTheSqliteReadModel()
    {
        await using var database = await Database.CreateAsync();
        var model = await database.ModelAsync();
        var contacts = SegmentTestData.Contacts("acme", 30);
        await Task.WhenAll(contacts.Select(c => model.UpsertAsync(c)));
        var newer = contacts[0] with { Lists = ["vip"], Version = 5 };
        await model.UpsertAsync(newer);
        await model.UpsertAsync(contacts[0] with { Lists = ["old"], Version = 4 });
        var fields = new SegmentFields(SegmentTestData.Schema, await model.GetSlotsAsync("acme"));
        var everyone = model.Compile(SegmentParser.Parse("suppressed or not suppressed", fields, SegmentTestData.Now));

        Assert.Equal(5, await model.GetVersionAsync("acme", newer.Address));
        Assert.Equal([newer.Address], await model.ListMatchingAsync("acme", model.Compile(SegmentParser.Parse("in list \"vip\"", fields, SegmentTestData.Now)), null, 10));
        Assert.Equal(newer.Address, Assert.Single(await model.ListAsync("acme", "vip", null, 10)).Address);
        Assert.Equal(30, await model.SnapshotAsync("acme", "all", "s1", everyone));
        Assert.Equal(30, await model.SnapshotAsync("acme", "all", "s1", everyone));

        await model.DeleteAsync("acme", newer.Address);

        Assert.Null(await model.GetVersionAsync("acme", newer.Address));
        Assert.Equal(29, await model.CountMatchingAsync("acme", everyone));
        Assert.Equal(29, await model.CountSnapshotAsync("acme", "all", "s1"));
        var page = await model.ListSnapshotAsync("acme", "all", "s1", null, 100);
        Assert.Equal(contacts.Skip(1).Select(c => c.Address).Order(StringComparer.Ordinal), page);
        await model.DeleteSnapshotsAsync("acme", "all", null);
        Assert.Equal(0, await model.CountSnapshotAsync("acme", "all", "s1"));
    }

    [ServerFact(Server.Postgres)]
    public async Task UpsertManyAsync_SameStepsAsTheSqliteReadModel_GiveTheSameRowsAndSegments()
    {
        await using var database = await Database.CreateAsync();
        var model = await database.ModelAsync();
        var directory = Path.Combine(Path.GetTempPath(), "mailmesh-segment-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        var sqlite = new SqliteContactReadModel(Path.Combine(directory, "contacts.db"));
        try
        {
            await sqlite.InitializeAsync();
            var contacts = SegmentTestData.Contacts("acme", 700);
            var others = SegmentTestData.Contacts("other", 80, seed: 5);
            // Import-sized steps, one mixing two tenants; then a newer and an older copy of one contact in one call (the
            // newest wins), and older copies of some contacts (left alone: the stored rows are newer).
            var steps = contacts.Chunk(250).Select(c => (IReadOnlyList<ContactInfo>)c).Append([.. others]).ToList();
            var newest = contacts[3] with { Lists = ["vip"], Version = 7 };
            steps.Add([contacts[3] with { Lists = ["old"], Version = 6 }, newest, contacts[3] with { Lists = ["older"], Version = 5 }]);
            steps.Add([.. contacts.Take(40).Select(c => c with { Lists = ["stale"], Attributes = new Dictionary<string, AttributeValue>(), Version = 0 })]);
            foreach (var step in steps)
            {
                await model.UpsertManyAsync(step);
                await sqlite.UpsertManyAsync(step);
            }

            contacts[3] = newest;
            await SegmentTestData.AssertAgreeAsync(model, "acme", contacts, SegmentTestData.Expressions);
            await SegmentTestData.AssertAgreeAsync(sqlite, "acme", contacts, SegmentTestData.Expressions);
            await SegmentTestData.AssertAgreeAsync(model, "other", others, SegmentTestData.Expressions.Take(10));
            Assert.Equal(await sqlite.ListAsync("acme", null, null, 1000), await model.ListAsync("acme", null, null, 1000));
            Assert.Equal(newest.Address, Assert.Single(await model.ListAsync("acme", "vip", null, 10)).Address);
            Assert.Empty(await model.ListAsync("acme", "stale", null, 10));
            Assert.Equal((700L, 80L), (await model.CountAsync("acme"), await model.CountAsync("other")));
        }
        finally
        {
            await sqlite.DisposeAsync();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    [ServerFact(Server.Postgres)]
    public async Task UpsertManyAsync_NewAttributesBeyondTheSlots_GoToOverflowAsOneByOne()
    {
        await using var database = await Database.CreateAsync();
        var bulk = await database.ModelAsync();
        var custom = Enumerable.Range(0, SlotColumns.TextCount + 4).Select(i => new AttributeDefinition($"extra{i:D2}", AttributeType.String)).ToList();
        var contacts = Enumerable.Range(0, 50).Select(i => new ContactInfo("wide", $"u{i:D2}@example.com", $"u{i:D2}@example.com",
            custom.Where((_, n) => (n + i) % 3 != 0).ToDictionary(a => a.Name, a => AttributeValue.Of((i % 4).ToString(System.Globalization.CultureInfo.InvariantCulture))),
            ["l" + (i % 2).ToString(System.Globalization.CultureInfo.InvariantCulture)],
            [], i % 5 == 0 ? [new Suppression("*", SuppressionReason.HardBounced, SegmentTestData.Now)] : [],
            new ContactEngagement(), false, SegmentTestData.Now, SegmentTestData.Now, 1)).ToList();

        await bulk.UpsertManyAsync(contacts);

        var fields = new SegmentFields(new AttributeSchema(custom, 1), await bulk.GetSlotsAsync("wide"));
        Assert.Equal(SlotColumns.TextCount, (await bulk.GetSlotsAsync("wide")).Values.Count(s => s.Index is not null));
        foreach (var expression in new[] { "extra43 = \"1\"", "extra00 = \"2\" and not extra42 = \"2\"", "in list \"l1\" and not suppressed", "suppressed" })
        {
            var predicate = SegmentParser.Parse(expression, fields, SegmentTestData.Now);
            Assert.Equal(contacts.Count(c => SegmentEvaluator.Matches(predicate, c)), await bulk.CountMatchingAsync("wide", bulk.Compile(predicate)));
        }
    }

    /// <summary>A fresh schema on the test server, dropped at the end.</summary>
    private sealed class Database : IAsyncDisposable
    {
        private readonly List<PostgreSqlStore> _stores = [];

        private Database(string schema)
        {
            Schema = schema;
        }

        public string Schema { get; }

        public PostgreSqlStorageOptions Options => new() { ConnectionString = TestServers.PostgresConnectionString, Schema = Schema };

        public static Task<Database> CreateAsync() => Task.FromResult(new Database("t_" + Guid.NewGuid().ToString("N")[..20]));

        public async Task<PostgreSqlContactReadModel> ModelAsync()
        {
            var store = await PostgreSqlStore.OpenAsync(Options);
            _stores.Add(store);
            var model = new PostgreSqlContactReadModel(store);
            await model.InitializeAsync();
            return model;
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var store in _stores)
            {
                await store.DisposeAsync();
            }

            await using var connection = new NpgsqlConnection(TestServers.PostgresConnectionString);
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{Schema}\" CASCADE", connection);
            await drop.ExecuteNonQueryAsync();
        }
    }
}
