using System.Globalization;
using System.Text;
using MailMesh.Audience.Contacts;
using MailMesh.Audience.Tests.Support;
using MailMesh.Grains.Contacts;
using MailMesh.Runtime.PostgreSql;
using MailMesh.Testing;
using Npgsql;

namespace MailMesh.Audience.Tests;

/// <summary>The audience on a silo in cluster mode (grain state, events and the contacts read model in PostgreSQL on the
/// test server, scripts/test-servers.sh), each test in a schema of its own: imports give the same contacts and rows as
/// on SQLite, and GDPR erasure leaves nothing personal in any table of the schema.</summary>
public sealed class PostgresAudienceSiloTests
{
    private const string Jane = "jane.privacy@example.com";
    private const string JaneName = "Janeqxz";

    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["Audience:ImportBatchSize"] = "20",
        ["Audience:ErasureKey"] = Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray()),
    };

    private static IContactGrain Contact(AudienceSilo silo, string address) => silo.Grains.GetGrain<IContactGrain>(ContactAddress.KeyFor("acme", address));

    /// <summary>60 contacts; users 1, 13, 25, 37 and 49 twice in a row (merged within their step of 20); one bad address.</summary>
    private static byte[] Csv()
    {
        var csv = new StringBuilder("email,first_name,city,total_spent,interests,lists\n");
        for (var i = 0; i < 60; i++)
        {
            csv.Append(CultureInfo.InvariantCulture, $"user{i}@example.com,User {i},City {i % 7},{i}.5,golf;wine,vip\n");
            if (i % 12 == 1)
            {
                csv.Append(CultureInfo.InvariantCulture, $"user{i}@example.com,Again {i},,,,vip\n");
            }
        }

        csv.Append("not an address,Nobody,Nowhere,1,,\n");
        return Encoding.UTF8.GetBytes(csv.ToString());
    }

    [ServerFact(Server.Postgres)]
    public async Task Import_SameFileOnSqliteAndPostgres_GivesTheSameCountsContactsAndRows()
    {
        await using var schema = new Schema();
        var definition = new ImportDefinition("parity.csv", ImportFormat.Csv, Lists: ["newsletter"], ConsentPurpose: "newsletter");
        await using var sqlite = await AudienceSilo.StartAsync(Settings);
        await using var postgres = await AudienceSilo.StartPostgresAsync(schema.Options, Settings);

        var onSqlite = await ImportRunner.RunAsync(sqlite, "parity", Csv(), definition);
        var onPostgres = await ImportRunner.RunAsync(postgres, "parity", Csv(), definition);

        Assert.Equal((ImportState.Completed, 66L, 60L, 5L, 1L), (onSqlite.State, onSqlite.RowsRead, onSqlite.Created, onSqlite.Merged, onSqlite.Invalid));
        Assert.Equal(
            (onSqlite.State, onSqlite.RowsRead, onSqlite.Created, onSqlite.Updated, onSqlite.Merged, onSqlite.Invalid, onSqlite.Warnings),
            (onPostgres.State, onPostgres.RowsRead, onPostgres.Created, onPostgres.Updated, onPostgres.Merged, onPostgres.Invalid, onPostgres.Warnings));
        var sqliteRows = await sqlite.ReadModel.ListAsync("acme", "vip", null, 1000);
        var postgresRows = await postgres.ReadModel.ListAsync("acme", "vip", null, 1000);
        Assert.Equal(60, sqliteRows.Count);
        Assert.Equal(sqliteRows.Select(r => (r.Address, r.Mailable, r.Version)), postgresRows.Select(r => (r.Address, r.Mailable, r.Version)));
        foreach (var address in new[] { "user0@example.com", "user7@example.com", "user59@example.com" })
        {
            var a = (await Contact(sqlite, address).Get())!;
            var b = (await Contact(postgres, address).Get())!;
            Assert.Equal(a.Attributes.OrderBy(x => x.Key).Select(x => (x.Key, x.Value.ToInvariantString())), b.Attributes.OrderBy(x => x.Key).Select(x => (x.Key, x.Value.ToInvariantString())));
            Assert.Equal(a.Lists, b.Lists);
            Assert.Equal(a.Consent.Select(c => (c.Id, c.Purpose, c.Action)), b.Consent.Select(c => (c.Id, c.Purpose, c.Action)));
        }

        var created = (await postgres.EventsAsync("acme", "contact")).Count(e => e.Type == "contact.created");
        Assert.Equal(60, created);
    }

    [ServerFact(Server.Postgres)]
    public async Task Erase_ImportedContactOnPostgres_LeavesNothingPersonalInAnyTableAndBlocksTheAddress()
    {
        await using var schema = new Schema();
        await using var silo = await AudienceSilo.StartPostgresAsync(schema.Options, Settings);
        var csv = Encoding.UTF8.GetBytes(
            $"email,first_name,total_spent,consent_ip\n{Jane},{JaneName},10,203.0.113.7\nbob@example.com,Bob,5,\n{Jane.ToUpperInvariant()},{JaneName},lots,\n");
        var seeded = await ImportRunner.RunAsync(silo, "seed", csv, new ImportDefinition("seed.csv", ImportFormat.Csv, Lists: ["newsletter"], ConsentPurpose: "newsletter"));
        Assert.Equal((2L, 1L), (seeded.Created, seeded.Invalid));
        await Contact(silo, Jane).Update(new ContactChange(new Dictionary<string, AttributeValue?> { ["city"] = AttributeValue.Of("Lyon") }));
        await Contact(silo, Jane).Unsubscribe("newsletter", "link", "one click");
        Assert.True(await schema.CountRowsContainingAsync(Jane) > 0, "the seeded contact is not in the schema: the check below could not fail");
        var before = await silo.EventsAsync("acme");

        var erasure = await Contact(silo, Jane).Erase("key:dpo");

        Assert.True(erasure.ContactExisted);
        Assert.Equal(1, erasure.ImportsRedacted);
        Assert.True(erasure.EventsTombstoned >= 3, $"tombstoned {erasure.EventsTombstoned} events");
        foreach (var needle in new[] { Jane, JaneName, "203.0.113.7", "Lyon" })
        {
            Assert.Equal(0, await schema.CountRowsContainingAsync(needle));
        }

        var after = await silo.EventsAsync("acme");
        Assert.Equal(before.Select(e => (e.Sequence, e.EventId, e.Type)), after.Take(before.Count).Select(e => (e.Sequence, e.EventId, e.Type)));
        var erased = Assert.Single(after, e => e.Type == "contact.erased");
        Assert.Equal(ContactGrain.ErasedSubject("acme", erasure.AddressHash), erased.Subject);
        Assert.Null(await Contact(silo, Jane).Get());
        Assert.NotNull(await Contact(silo, "bob@example.com").Get());
        Assert.Equal(1, await silo.ReadModel.CountAsync("acme"));

        var again = await ImportRunner.RunAsync(silo, "again", Encoding.UTF8.GetBytes($"email,first_name\n{Jane},Again\n"), new ImportDefinition("again.csv", ImportFormat.Csv));
        Assert.Equal((0L, 1L), (again.Created, again.Invalid));
        await Assert.ThrowsAsync<ContactErasedException>(() => Contact(silo, Jane).Create(new ContactChange()));
        Assert.Equal(0, await schema.CountRowsContainingAsync(Jane));
        Assert.Equal(0, (await Contact(silo, Jane).Erase("key:dpo")).EventsTombstoned);
    }

    [ServerFact(Server.Postgres)]
    public async Task Erase_AddressInsideAnotherOnPostgres_LeavesTheOtherContactsEventsAlone()
    {
        await using var schema = new Schema();
        await using var silo = await AudienceSilo.StartPostgresAsync(schema.Options, Settings);
        await Contact(silo, "jimbob@example.com").Upsert(new ContactChange(AddLists: ["a"]));
        await Contact(silo, "bob@example.com").Upsert(new ContactChange(AddLists: ["a"]));

        await Contact(silo, "bob@example.com").Erase("key:dpo");

        var jimbob = Assert.Single(await silo.EventsAsync("acme", "contact"), e => e.Subject == "acme/jimbob@example.com");
        Assert.Contains("\"jimbob@example.com\"", jimbob.PayloadJson, StringComparison.Ordinal);
        Assert.NotNull(await Contact(silo, "jimbob@example.com").Get());
        Assert.Equal(0, await schema.CountRowsContainingAsync("\"bob@example.com\""));
    }

    /// <summary>A schema of its own on the test server, dropped at the end.</summary>
    private sealed class Schema : IAsyncDisposable
    {
        public string Name { get; } = "t_" + Guid.NewGuid().ToString("N")[..20];

        public PostgreSqlStorageOptions Options => new() { ConnectionString = TestServers.PostgresConnectionString, Schema = Name };

        /// <summary>Rows of every table of the schema whose text (grain state payloads decoded from UTF-8) contains
        /// <paramref name="needle"/>, ignoring case.</summary>
        public async Task<long> CountRowsContainingAsync(string needle)
        {
            await using var connection = new NpgsqlConnection(TestServers.PostgresConnectionString);
            await connection.OpenAsync();
            var tables = new List<string>();
            await using (var list = new NpgsqlCommand("SELECT table_name FROM information_schema.tables WHERE table_schema = @s AND table_type = 'BASE TABLE'", connection))
            {
                list.Parameters.AddWithValue("s", Name);
                await using var reader = await list.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                {
                    tables.Add(reader.GetString(0));
                }
            }

            Assert.Contains("event_log", tables);
            Assert.Contains("contacts", tables);
            long total = 0;
            foreach (var table in tables)
            {
                var text = table == "grain_state" ? "t.grain_key || convert_from(t.payload, 'UTF8')" : "t::text";
                await using var count = new NpgsqlCommand($"SELECT count(*) FROM \"{Name}\".\"{table}\" t WHERE strpos(lower({text}), lower(@n)) > 0", connection);
                count.Parameters.AddWithValue("n", needle);
                total += (long)(await count.ExecuteScalarAsync())!;
            }

            return total;
        }

        public async ValueTask DisposeAsync()
        {
            await using var connection = new NpgsqlConnection(TestServers.PostgresConnectionString);
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{Name}\" CASCADE", connection);
            await drop.ExecuteNonQueryAsync();
        }
    }
}
