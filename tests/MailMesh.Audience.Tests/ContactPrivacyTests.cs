using System.Text;
using MailMesh.Audience.Contacts;
using MailMesh.Audience.Tests.Support;
using MailMesh.Grains.Contacts;
using Microsoft.Data.Sqlite;

namespace MailMesh.Audience.Tests;

public sealed class ContactPrivacyTests : IAsyncLifetime
{
    private const string Jane = "jane.privacy@example.com";
    private const string JaneName = "Janeqxz";
    private AudienceSilo _silo = null!;

    public async Task InitializeAsync() => _silo = await AudienceSilo.StartAsync(new Dictionary<string, string?>
    {
        ["Audience:ImportBatchSize"] = "50",
        ["Audience:ErasureKey"] = Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray()),
    });

    public async Task DisposeAsync() => await _silo.DisposeAsync();

    private IContactGrain Contact(string address) => _silo.Grains.GetGrain<IContactGrain>(ContactAddress.KeyFor("acme", address));

    /// <summary>Jane imported (with an IP in her consent and a refused second row that names her), updated, unsubscribed.</summary>
    private async Task SeedJaneAsync()
    {
        var csv = Encoding.UTF8.GetBytes(
            $"email,first_name,total_spent,consent_ip\n{Jane},{JaneName},10,203.0.113.7\nbob@example.com,Bob,5,\n{Jane.ToUpperInvariant()},{JaneName},lots,\n");
        var status = await ImportRunner.RunAsync(_silo, "seed", csv, new ImportDefinition("seed.csv", ImportFormat.Csv, Lists: ["newsletter"], ConsentPurpose: "newsletter"));
        Assert.Equal((2L, 1L), (status.Created, status.Invalid));
        await Contact(Jane).Update(new ContactChange(new Dictionary<string, AttributeValue?> { ["city"] = AttributeValue.Of("Lyon") }));
        await Contact(Jane).Unsubscribe("newsletter", "link", "one click");
    }

    [Fact]
    public async Task Erase_ImportedContact_LeavesNothingPersonalInStateReadModelBlobsOrEvents()
    {
        await SeedJaneAsync();
        var before = await _silo.EventsAsync("acme");

        var erasure = await Contact(Jane).Erase("key:dpo");

        Assert.True(erasure.ContactExisted);
        Assert.Equal(1, erasure.ImportsRedacted);
        Assert.True(erasure.EventsTombstoned >= 3, $"tombstoned {erasure.EventsTombstoned} events");
        foreach (var needle in new[] { Jane, JaneName, "203.0.113.7", "Lyon" })
        {
            Assert.Equal(0, await CountInSqliteAsync(_silo.StatePath, needle));
            Assert.Equal(0, await CountInSqliteAsync(_silo.ReadModelPath, needle));
            Assert.Empty(FilesContaining(Path.Combine(_silo.Directory, "blobs"), needle));
        }

        var after = await _silo.EventsAsync("acme");
        Assert.DoesNotContain(after, e => e.Subject.Contains(Jane, StringComparison.OrdinalIgnoreCase) || e.PayloadJson.Contains(Jane, StringComparison.OrdinalIgnoreCase));
        // Tombstoned, not deleted: every earlier event keeps its sequence, id and type.
        Assert.Equal(before.Select(e => (e.Sequence, e.EventId, e.Type)), after.Take(before.Count).Select(e => (e.Sequence, e.EventId, e.Type)));
        var erased = Assert.Single(after, e => e.Type == "contact.erased");
        Assert.Equal(ContactGrain.ErasedSubject("acme", erasure.AddressHash), erased.Subject);
        var audit = Assert.Single(after, e => e.Type == "audit.contact.erased");
        Assert.Contains(erasure.AddressHash, audit.PayloadJson, StringComparison.Ordinal);
        Assert.Null(await Contact(Jane).Get());
        Assert.NotNull(await Contact("bob@example.com").Get());
    }

    [Fact]
    public async Task Erase_ThenReimportOrCreate_AddressNeverComesBack()
    {
        await SeedJaneAsync();
        await Contact(Jane).Erase("key:dpo");

        var csv = Encoding.UTF8.GetBytes($"email,first_name\n{Jane.ToUpperInvariant()},Again\ncarl@example.com,Carl\n");
        var status = await ImportRunner.RunAsync(_silo, "again", csv, new ImportDefinition("again.csv", ImportFormat.Csv));

        Assert.Equal((1L, 1L), (status.Created, status.Invalid));
        var issue = Assert.Single(await _silo.Grains.GetGrain<IContactImportGrain>("acme/again").GetIssues(0, 10));
        Assert.Equal((2L, "error", (string?)null), (issue.Row, issue.Severity, issue.Address));
        Assert.Contains("erased at the person's request", issue.Message, StringComparison.Ordinal);
        Assert.Null(await Contact(Jane).Get());
        await Assert.ThrowsAsync<ContactErasedException>(() => Contact(Jane).Create(new ContactChange()));
        await Assert.ThrowsAsync<ContactErasedException>(() => Contact(Jane).Upsert(new ContactChange(AddLists: ["newsletter"])));
        await Assert.ThrowsAsync<ContactErasedException>(() => Contact(Jane).Suppress(SuppressionReason.HardBounced, null));
        Assert.Equal(0, await CountInSqliteAsync(_silo.StatePath, Jane));
    }

    [Fact]
    public async Task Erase_AddressInsideAnother_LeavesTheOtherContactsEventsAlone()
    {
        await Contact("jimbob@example.com").Upsert(new ContactChange(AddLists: ["a"]));
        await Contact("bob@example.com").Upsert(new ContactChange(AddLists: ["a"]));

        await Contact("bob@example.com").Erase("key:dpo");

        var jimbob = Assert.Single(await _silo.EventsAsync("acme", "contact"), e => e.Subject == "acme/jimbob@example.com");
        Assert.Contains("\"jimbob@example.com\"", jimbob.PayloadJson, StringComparison.Ordinal);
        Assert.NotNull(await Contact("jimbob@example.com").Get());
    }

    [Fact]
    public async Task Erase_UnknownAddress_BlocksItAndIsIdempotent()
    {
        var first = await Contact("nobody@example.com").Erase("key:dpo");
        var second = await Contact("nobody@example.com").Erase("key:dpo");

        Assert.False(first.ContactExisted);
        Assert.Equal(first.AddressHash, second.AddressHash);
        Assert.Equal(1, await _silo.Grains.GetGrain<IContactPrivacyGrain>("acme/privacy").CountErased());
        await Assert.ThrowsAsync<ContactErasedException>(() => Contact("nobody@example.com").Create(new ContactChange()));
    }

    [Fact]
    public async Task Export_ImportedContact_HoldsStateLedgerEventsAndIssuesAndIsAudited()
    {
        await SeedJaneAsync();

        var export = await Contact(Jane).Export("key:dpo");

        Assert.NotNull(export.Contact);
        Assert.Equal(JaneName, export.Contact.Attributes["first_name"].String);
        Assert.Equal("203.0.113.7", export.Contact.Consent[0].Ip);
        Assert.Contains(export.Contact.Suppressions, s => s.Reason == SuppressionReason.Unsubscribed && s.Scope == "newsletter");
        Assert.Equal(["contact.created", "contact.updated", "contact.unsubscribed"], export.Events.Select(e => e.Type).Distinct());
        var issue = Assert.Single(export.ImportIssues);
        Assert.Equal(("seed", 4L), (issue.Import, issue.Issue.Row));
        var audit = Assert.Single(await _silo.EventsAsync("acme", "audit"));
        Assert.Equal("audit.contact.exported", audit.Type);
        Assert.DoesNotContain(Jane, audit.PayloadJson, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Lifecycle_EveryContactChange_AppendsItsEvent()
    {
        var contact = Contact("life@example.com");
        await contact.Upsert(new ContactChange(AddLists: ["a"]));
        await contact.Update(new ContactChange(AddLists: ["b"]));
        await contact.Unsubscribe("a", "link", null);
        await contact.Suppress(SuppressionReason.Complained, "arf");
        await contact.Erase("key:dpo");
        await ImportRunner.RunAsync(_silo, "one", Encoding.UTF8.GetBytes("email\nother@example.com\n"), new ImportDefinition("one.csv", ImportFormat.Csv));

        var types = (await _silo.EventsAsync("acme")).Select(e => e.Type).ToHashSet();

        Assert.Superset(
            new HashSet<string> { "contact.created", "contact.updated", "contact.unsubscribed", "contact.suppressed", "contact.erased", "import.completed" },
            types);
    }

    /// <summary>Rows of every table of a SQLite file with any column containing <paramref name="needle"/> (case-insensitive).</summary>
    private static async Task<int> CountInSqliteAsync(string path, string needle)
    {
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        await connection.OpenAsync();
        var tables = new List<string>();
        await using (var list = connection.CreateCommand())
        {
            list.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table'";
            await using var r = await list.ExecuteReaderAsync();
            while (await r.ReadAsync())
            {
                tables.Add(r.GetString(0));
            }
        }

        var found = 0;
        foreach (var table in tables)
        {
            await using var select = connection.CreateCommand();
            select.CommandText = $"SELECT * FROM \"{table}\"";
            await using var r = await select.ExecuteReaderAsync();
            while (await r.ReadAsync())
            {
                for (var i = 0; i < r.FieldCount; i++)
                {
                    var text = r.IsDBNull(i) ? "" : r.GetValue(i) is byte[] bytes ? Encoding.UTF8.GetString(bytes) : Convert.ToString(r.GetValue(i), System.Globalization.CultureInfo.InvariantCulture);
                    if (text!.Contains(needle, StringComparison.OrdinalIgnoreCase))
                    {
                        found++;
                        break;
                    }
                }
            }
        }

        return found;
    }

    private static IEnumerable<string> FilesContaining(string directory, string needle) => !Directory.Exists(directory)
        ? []
        : Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)
            .Where(f => Encoding.UTF8.GetString(File.ReadAllBytes(f)).Contains(needle, StringComparison.OrdinalIgnoreCase))
            .ToList();
}
