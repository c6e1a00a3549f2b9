using MailMesh.Audience.ReadModel;
using MailMesh.Audience.Segments;
using MailMesh.Grains.Contacts;
using Microsoft.Data.Sqlite;

namespace MailMesh.Audience.Tests;

public sealed class SegmentSqliteTests : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "mailmesh-segment-tests", Guid.NewGuid().ToString("N"));
    private SqliteContactReadModel _model = null!;

    private string DatabasePath => Path.Combine(_directory, "contacts.db");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        _model = new SqliteContactReadModel(DatabasePath);
        await _model.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await _model.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task CountMatching_EveryOperatorOverGeneratedContacts_EqualsInMemoryEvaluation()
    {
        var contacts = SegmentTestData.Contacts("acme", 1500);
        await Task.WhenAll(contacts.Select(c => _model.UpsertAsync(c)));
        await Task.WhenAll(SegmentTestData.Contacts("other", 200, seed: 5).Select(c => _model.UpsertAsync(c)));

        await SegmentTestData.AssertAgreeAsync(_model, "acme", contacts, SegmentTestData.Expressions);
    }

    [Fact]
    public async Task CountMatching_PrecedenceForms_AndBindsTighterThanOr()
    {
        var contacts = SegmentTestData.Contacts("acme", 800);
        await Task.WhenAll(contacts.Select(c => _model.UpsertAsync(c)));

        var implicitForm = await CountAsync("acme", "tier = \"gold\" or tier = \"silver\" and country = \"FR\"");
        var grouped = await CountAsync("acme", "tier = \"gold\" or (tier = \"silver\" and country = \"FR\")");
        var other = await CountAsync("acme", "(tier = \"gold\" or tier = \"silver\") and country = \"FR\"");
        Assert.Equal(grouped, implicitForm);
        Assert.NotEqual(other, implicitForm);
        Assert.Equal(await CountAsync("acme", "not (tier = \"gold\" or vip)"), await CountAsync("acme", "not tier = \"gold\" and not vip"));
    }

    [Fact]
    public async Task CountMatching_AttributesBeyondTypedColumns_UseOverflowRowsAndAgree()
    {
        var custom = Enumerable.Range(0, SlotColumns.TextCount + 5).Select(i => new AttributeDefinition($"extra{i:D2}", AttributeType.String)).ToList();
        custom.Add(new AttributeDefinition("wide_list", AttributeType.List));
        var schema = new AttributeSchema(custom, 1);
        var random = new Random(3);
        var contacts = Enumerable.Range(0, 300).Select(i => new ContactInfo(
            "wide", $"u{i}@example.com", $"u{i}@example.com",
            custom.Where(_ => random.Next(4) != 0).ToDictionary(a => a.Name, a => a.Type == AttributeType.List
                ? AttributeValue.Of(new[] { "x", "y", "z" }.Where(_ => random.Next(2) == 0).ToArray())
                : AttributeValue.Of(random.Next(3).ToString(System.Globalization.CultureInfo.InvariantCulture))),
            [], [], [], new ContactEngagement(), false, SegmentTestData.Now, SegmentTestData.Now, 1)).ToList();
        foreach (var contact in contacts)
        {
            await _model.UpsertAsync(contact);
        }

        var slots = await _model.GetSlotsAsync("wide");
        Assert.Contains(slots.Values, s => s.Index is null);
        var fields = new SegmentFields(schema, slots);
        foreach (var expression in new[] { "extra44 = \"1\"", "extra44 != \"1\"", "extra43 exists", "extra40 > \"0\" and extra00 = \"2\"", "wide_list contains \"y\"", "wide_list is null" })
        {
            var predicate = SegmentParser.Parse(expression, fields, SegmentTestData.Now);
            var query = SegmentSqlCompiler.Compile(predicate, SqlDialect.Sqlite);
            Assert.Equal(contacts.Count(c => SegmentEvaluator.Matches(predicate, c)), await _model.CountMatchingAsync("wide", query));
        }
    }

    [Fact]
    public async Task Compile_HostileStringValues_StayParametersAndMatchNothing()
    {
        var contacts = SegmentTestData.Contacts("acme", 100);
        await Task.WhenAll(contacts.Select(c => _model.UpsertAsync(c)));
        string[] hostile =
        [
            "tier = \"x\\\" or 1=1 --\"", "tier = \"'; DROP TABLE contacts; --\"", "tier in (\"gold') OR 1=1 --\")",
            "interests contains \"golf%\"", "interests contains \"_\"", "first_name = \"\\\\\"",
        ];
        foreach (var expression in hostile)
        {
            var predicate = await Parse(expression, "acme");
            var query = SegmentSqlCompiler.Compile(predicate, SqlDialect.Sqlite);
            Assert.DoesNotContain("DROP", query.Where, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("1=1", query.Where, StringComparison.Ordinal);
            Assert.DoesNotContain("gold", query.Where, StringComparison.Ordinal);
            Assert.Equal(contacts.Count(c => SegmentEvaluator.Matches(predicate, c)), await _model.CountMatchingAsync("acme", query));
        }

        Assert.Equal(100, await _model.CountAsync("acme"));
        var error = await Assert.ThrowsAsync<SegmentSyntaxException>(() => Parse("tier = 'gold'' OR ''1''=''1'", "acme"));
        Assert.Equal(13, error.Position);
    }

    [Fact]
    public void Compile_AttributeAndColumnNames_NeverComeFromTheExpression()
    {
        var schema = new AttributeSchema([new AttributeDefinition("tier", AttributeType.String)], 1);
        var fields = new SegmentFields(schema, new Dictionary<string, AttributeSlot> { ["tier"] = new("tier", true, null) });

        var query = SegmentSqlCompiler.Compile(SegmentParser.Parse("tier = \"gold\"", fields, SegmentTestData.Now), SqlDialect.Sqlite);

        Assert.DoesNotContain("tier", query.Where, StringComparison.Ordinal);
        Assert.Contains(query.Parameters, p => Equals(p.Value, "tier"));
        foreach (var hostile in new[] { "tier; DROP TABLE contacts", "attr.\"tier\" = 1", "t0 = \"x\"", "v.t0 = \"x\"", "contact.attributes = \"x\"", "attr.version = 1" })
        {
            Assert.ThrowsAny<SegmentSyntaxException>(() => SegmentParser.Parse(hostile, fields, SegmentTestData.Now));
        }
    }

    [Fact]
    public async Task Delete_Contact_LeavesCountsAndSnapshots()
    {
        var contacts = SegmentTestData.Contacts("acme", 50);
        await Task.WhenAll(contacts.Select(c => _model.UpsertAsync(c)));
        var query = SegmentSqlCompiler.Compile(await Parse("not suppressed or suppressed", "acme"), SqlDialect.Sqlite);
        Assert.Equal(50, await _model.SnapshotAsync("acme", "all", "s1", query));

        await _model.DeleteAsync("acme", contacts[0].Address);

        Assert.Equal(49, await _model.CountMatchingAsync("acme", query));
        Assert.Equal(49, await _model.CountSnapshotAsync("acme", "all", "s1"));
        Assert.DoesNotContain(contacts[0].Address, await _model.ListSnapshotAsync("acme", "all", "s1", null, 100));
    }

    [Fact]
    public async Task Upsert_OlderVersion_KeepsTheNewerSearchRow()
    {
        var contact = SegmentTestData.Contacts("acme", 1)[0];
        var gold = contact with { Attributes = new Dictionary<string, AttributeValue> { ["tier"] = AttributeValue.Of("gold") }, Version = 2 };
        await _model.UpsertAsync(gold);
        await _model.UpsertAsync(contact with { Attributes = new Dictionary<string, AttributeValue> { ["tier"] = AttributeValue.Of("bronze") }, Version = 1 });

        Assert.Equal(1, await CountAsync("acme", "tier = \"gold\""));
        Assert.Equal(0, await CountAsync("acme", "tier = \"bronze\""));
    }

    [Fact]
    public async Task InitializeAsync_Version1File_MovesAttributesToTypedColumnsAndKeepsEveryRow()
    {
        await _model.DisposeAsync();
        SqliteConnection.ClearAllPools();
        var path = Path.Combine(_directory, "v1.db");
        await using (var connection = new SqliteConnection($"Data Source={path}"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = Version1Schema + """
                INSERT INTO contacts VALUES (1, 'acme', 'ann@example.com', 3, 'example.com', 0, 0, 1000, 2000, NULL, NULL, 2, 0, 10, 'active',
                    '{"tier":"gold","total_spent":"120.5","birth_date":"1985-06-15T00:00:00.0000000+00:00","interests":"golf;wine","vip":"true"}');
                INSERT INTO contacts VALUES (2, 'acme', 'bob@example.com', 1, 'example.com', 0, 1, 1000, 2000, NULL, NULL, 0, 0, 0, NULL, '{"tier":"bronze"}');
                INSERT INTO contact_attributes VALUES (1, 'acme', 'tier', 'gold', NULL), (1, 'acme', 'total_spent', NULL, 120.5),
                    (1, 'acme', 'birth_date', NULL, 487641600), (1, 'acme', 'interests', 'golf', NULL), (1, 'acme', 'interests', 'wine', NULL),
                    (1, 'acme', 'vip', NULL, 1), (2, 'acme', 'tier', 'bronze', NULL);
                INSERT INTO contact_lists VALUES (1, 'acme', 'newsletter');
                INSERT INTO contact_suppressions VALUES (2, 'acme', '*', 'hard_bounced', 1500);
                """;
            await command.ExecuteNonQueryAsync();
        }

        _model = new SqliteContactReadModel(path);
        await _model.InitializeAsync();
        await _model.InitializeAsync();

        Assert.Equal(2, await _model.CountAsync("acme"));
        Assert.Equal(3, await _model.GetVersionAsync("acme", "ann@example.com"));
        var schema = new AttributeSchema([.. Contacts.StandardAttributes.All, new AttributeDefinition("vip", AttributeType.Bool)], 1);
        var fields = new SegmentFields(schema, await _model.GetSlotsAsync("acme"));
        async Task<long> Count(string expression) =>
            await _model.CountMatchingAsync("acme", SegmentSqlCompiler.Compile(SegmentParser.Parse(expression, fields, SegmentTestData.Now), SqlDialect.Sqlite));
        Assert.Equal(1, await Count("tier = \"gold\" and total_spent = 120.5 and birth_date = 1985-06-15 and vip"));
        Assert.Equal(1, await Count("interests contains \"wine\" and in list \"newsletter\" and status = \"active\""));
        Assert.Equal(1, await Count("tier = \"bronze\" and bounced and suppressed"));
        Assert.Equal(2, await Count("tier exists and interests not contains \"books\""));
    }

    private async Task<long> CountAsync(string tenant, string expression) =>
        await _model.CountMatchingAsync(tenant, SegmentSqlCompiler.Compile(await Parse(expression, tenant), SqlDialect.Sqlite));

    private async Task<SegmentPredicate> Parse(string expression, string tenant) =>
        SegmentParser.Parse(expression, new SegmentFields(SegmentTestData.Schema, await _model.GetSlotsAsync(tenant)), SegmentTestData.Now);

    private const string Version1Schema = """
        CREATE TABLE contacts (
            id INTEGER PRIMARY KEY, tenant TEXT NOT NULL, address TEXT NOT NULL, version INTEGER NOT NULL, domain TEXT NOT NULL,
            role_address INTEGER NOT NULL, suppressed INTEGER NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
            last_open_at INTEGER, last_click_at INTEGER, opens INTEGER NOT NULL, clicks INTEGER NOT NULL, score REAL NOT NULL, status TEXT,
            attributes TEXT NOT NULL, UNIQUE (tenant, address));
        CREATE TABLE contact_attributes (contact_id INTEGER NOT NULL, tenant TEXT NOT NULL, name TEXT NOT NULL, str TEXT, num REAL);
        CREATE INDEX contact_attributes_by_contact ON contact_attributes (contact_id);
        CREATE TABLE contact_lists (contact_id INTEGER NOT NULL, tenant TEXT NOT NULL, list TEXT NOT NULL, PRIMARY KEY (contact_id, list)) WITHOUT ROWID;
        CREATE TABLE contact_suppressions (
            contact_id INTEGER NOT NULL, tenant TEXT NOT NULL, scope TEXT NOT NULL, reason TEXT NOT NULL, at INTEGER NOT NULL,
            PRIMARY KEY (contact_id, scope, reason)) WITHOUT ROWID;
        """;
}
