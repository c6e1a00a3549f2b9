using System.Globalization;
using System.Text;
using MailMesh.Audience;
using MailMesh.Audience.ReadModel;
using MailMesh.Audience.Tests.Support;
using MailMesh.Grains.Contacts;
using MailMesh.Runtime.Sqlite;
using MailMesh.Runtime.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace MailMesh.Audience.Tests;

public sealed class ContactBulkImportTests : IAsyncDisposable
{
    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["Audience:ImportBatchSize"] = "10",
        ["Audience:ImportResumeInterval"] = "00:00:01",
    };

    /// <summary>Runs of 1,000 records in address order, steps of 97 rows (steps straddle runs).</summary>
    private static readonly Dictionary<string, string?> OrderedSettings = new(Settings)
    {
        ["Audience:ImportBatchSize"] = "97",
        ["Audience:ImportOrderRun"] = "1000",
    };

    private AudienceSilo? _silo;

    public async ValueTask DisposeAsync()
    {
        if (_silo is not null)
        {
            await _silo.DisposeAsync();
        }
    }

    private async Task<AudienceSilo> StartAsync(FailingStateBatch.Mode mode, int failures, Dictionary<string, string?>? settings = null)
    {
        _silo = await AudienceSilo.StartAsync(settings ?? Settings, services => services.AddSingleton<IGrainStorageBatch>(sp =>
            new FailingStateBatch(new SqliteStateBatch(sp.GetRequiredService<SqliteStore>()), mode, failures)));
        return _silo;
    }

    private static byte[] Csv(int rows)
    {
        var csv = new StringBuilder("email,first_name,city,total_spent,lists\n");
        for (var i = 0; i < rows; i++)
        {
            csv.Append(CultureInfo.InvariantCulture, $"user{i}@example.com,User {i},City {i},{i}.5,vip\n");
        }

        return Encoding.UTF8.GetBytes(csv.ToString());
    }

    /// <summary>2,400 rows over 1,000 addresses in shuffled order: address a is on rows a, a + 1000 and, for a under 400,
    /// a + 2000 (0-based data rows), so each address has a row in two or three runs of 1,000.</summary>
    private static byte[] RepeatingCsv()
    {
        var csv = new StringBuilder("email,first_name\n");
        for (var i = 0; i < 2400; i++)
        {
            csv.Append(CultureInfo.InvariantCulture, $"user{(i % 1000 * 7919) % 1000}@example.com,User {i}\n");
        }

        return Encoding.UTF8.GetBytes(csv.ToString());
    }

    /// <summary>Every address of <see cref="RepeatingCsv"/> holds its last row's cells and one consent entry per row.</summary>
    private static async Task AssertLastRowsWonAsync(AudienceSilo silo, string import)
    {
        for (var i = 0; i < 1000; i++)
        {
            var rows = new[] { i, i + 1000, i + 2000 }.Where(r => r < 2400).ToArray();
            var address = $"user{(i * 7919) % 1000}@example.com";
            var contact = await silo.Grains.GetGrain<IContactGrain>("acme/" + address).Get();
            Assert.NotNull(contact);
            Assert.Equal($"User {rows[^1]}", contact.Attributes["first_name"].String);
            Assert.Equal(rows.Select(r => $"import:{import}:{r + 2}"), contact.Consent.Select(c => c.Id));
        }

        Assert.Equal(1000, await silo.ReadModel.CountAsync("acme"));
        Assert.Equal(1000, (await silo.EventsAsync("acme", "contact")).Count(e => e.Type == "contact.created"));
    }

    [Theory]
    [InlineData(FailingStateBatch.Mode.FailBeforeWrite)]
    [InlineData(FailingStateBatch.Mode.FailAfterWrite)]
    public async Task Import_AddressOrderedRunsWithCrashedSteps_LastRowOfEachAddressWinsAndNoRowIsLostOrAppliedTwice(FailingStateBatch.Mode mode)
    {
        var silo = await StartAsync(mode, failures: 3, OrderedSettings);

        var status = await ImportRunner.RunAsync(silo, "ordered", RepeatingCsv(), new ImportDefinition("ordered.csv", ImportFormat.Csv, ConsentPurpose: "*"));

        Assert.Equal((ImportState.Completed, 2400L, 0L), (status.State, status.RowsRead, status.Invalid));
        Assert.Equal(2400, status.Created + status.Updated + status.Unchanged + status.Merged);
        await AssertLastRowsWonAsync(silo, "ordered");
    }

    [Fact]
    public async Task Import_AddressOrderedRunsAndASiloRestart_ResumesInTheSameOrderWithoutLosingOrRepeatingRows()
    {
        var silo = await StartAsync(FailingStateBatch.Mode.FailBeforeWrite, failures: 0, OrderedSettings);

        await ImportRunner.StartAsync(silo, "restart", RepeatingCsv(), new ImportDefinition("restart.csv", ImportFormat.Csv, ConsentPurpose: "*"));
        await ImportRunner.WaitForEventsAsync(silo, e => e.Type == "contact.created", 300, "the first 300 contacts of import restart");
        await silo.RestartAsync();
        await ImportRunner.WaitForEndAsync(silo, "restart");

        var status = await silo.Grains.GetGrain<IContactImportGrain>("acme/restart").GetStatus();
        Assert.Equal((ImportState.Completed, 2400L, 0L), (status.State, status.RowsRead, status.Invalid));
        await AssertLastRowsWonAsync(silo, "restart");
    }

    private static async Task AssertWholeRowsAsync(AudienceSilo silo, int rows)
    {
        for (var i = 0; i < rows; i++)
        {
            var contact = await silo.Grains.GetGrain<IContactGrain>($"acme/user{i}@example.com").Get();
            Assert.NotNull(contact);
            Assert.Equal(($"User {i}", $"City {i}", i + 0.5), (contact.Attributes["first_name"].String, contact.Attributes["city"].String, contact.Attributes["total_spent"].Number));
            Assert.Equal(["vip"], contact.Lists);
            Assert.Single(contact.Consent);
        }

        Assert.Equal(rows, await silo.ReadModel.CountAsync("acme"));
        Assert.Equal(rows, (await silo.EventsAsync("acme", "contact")).Count(e => e.Type == "contact.created"));
    }

    [Fact]
    public async Task Import_BulkWriteFailsMidway_RepeatsTheStepWithoutHalfAppliedRows()
    {
        var silo = await StartAsync(FailingStateBatch.Mode.FailBeforeWrite, failures: 2);

        var status = await ImportRunner.RunAsync(silo, "flaky", Csv(35), new ImportDefinition("flaky.csv", ImportFormat.Csv, ConsentPurpose: "*"));

        Assert.Equal((ImportState.Completed, 35L, 35L, 0L), (status.State, status.RowsRead, status.Created, status.Invalid));
        await AssertWholeRowsAsync(silo, 35);
    }

    [Fact]
    public async Task Import_CrashAfterStateBeforeReadModel_RepeatedStepRepairsRowsAndAppliesNothingTwice()
    {
        var silo = await StartAsync(FailingStateBatch.Mode.FailAfterWrite, failures: 1);

        var status = await ImportRunner.RunAsync(silo, "halfway", Csv(25), new ImportDefinition("halfway.csv", ImportFormat.Csv, ConsentPurpose: "*"));

        Assert.Equal((ImportState.Completed, 25L), (status.State, status.RowsRead));
        Assert.Equal(25, status.Created + status.Unchanged);
        await AssertWholeRowsAsync(silo, 25);
    }

    [Fact]
    public async Task Import_ContactsThatExistOrWereLookedUp_MergeThroughTheirGrains()
    {
        var silo = await StartAsync(FailingStateBatch.Mode.FailBeforeWrite, failures: 0);
        var existing = silo.Grains.GetGrain<IContactGrain>("acme/user1@example.com");
        await existing.Upsert(new ContactChange(new Dictionary<string, AttributeValue?> { ["tier"] = AttributeValue.Of("gold") }));
        var lookedUp = silo.Grains.GetGrain<IContactGrain>("acme/user2@example.com");
        Assert.Null(await lookedUp.Get());

        var status = await ImportRunner.RunAsync(silo, "merge", Csv(4), new ImportDefinition("merge.csv", ImportFormat.Csv));

        Assert.Equal((3L, 1L), (status.Created, status.Updated));
        var merged = (await existing.Get())!;
        Assert.Equal(("gold", "User 1"), (merged.Attributes["tier"].String, merged.Attributes["first_name"].String));
        // The activation that found no contact before the import reads again instead of answering from its stale copy.
        Assert.Equal("User 2", (await lookedUp.Get())!.Attributes["first_name"].String);
        await lookedUp.Update(new ContactChange(AddLists: ["late"]));
        Assert.Contains("late", (await lookedUp.Get())!.Lists);
    }

    [Fact]
    public async Task Import_ReadModelBulkWriteFails_RepeatedStepRepairsRowsAndAppliesNothingTwice()
    {
        FailingReadModel? readModel = null;
        _silo = await AudienceSilo.StartAsync(Settings, services => services.AddSingleton<IContactReadModel>(sp =>
            readModel = new FailingReadModel(new SqliteContactReadModel(sp.GetRequiredService<IOptions<AudienceOptions>>().Value.ReadModelPath!), failures: 2)));

        var status = await ImportRunner.RunAsync(_silo, "readmodel", Csv(25), new ImportDefinition("readmodel.csv", ImportFormat.Csv, ConsentPurpose: "*"));

        Assert.Equal((ImportState.Completed, 25L, 0L), (status.State, status.RowsRead, status.Invalid));
        Assert.Equal(25, status.Created + status.Unchanged);
        Assert.Equal(2, readModel!.Failed);
        await AssertWholeRowsAsync(_silo, 25);
    }

    [Fact]
    public async Task Import_ManyStepsInBulk_WritesEveryRowOnceWithItsEvent()
    {
        var silo = await StartAsync(FailingStateBatch.Mode.FailBeforeWrite, failures: 0);

        var status = await ImportRunner.RunAsync(silo, "many", Csv(137), new ImportDefinition("many.csv", ImportFormat.Csv, ConsentPurpose: "*"));

        Assert.Equal((ImportState.Completed, 137L, 137L, 0L), (status.State, status.RowsRead, status.Created, status.Invalid));
        await AssertWholeRowsAsync(silo, 137);
        var page = await silo.ReadModel.ListAsync("acme", "vip", null, 500);
        Assert.Equal(137, page.Count);
        Assert.All(page, row => Assert.Equal(1, row.Version));
    }

    /// <summary>A read model whose first bulk writes fail before anything is written (a disk error in the read model).</summary>
    private sealed class FailingReadModel(SqliteContactReadModel inner, int failures) : IContactReadModel, IAsyncDisposable
    {
        private int _failures = failures;
        private int _failed;

        public int Failed => Volatile.Read(ref _failed);

        public Task InitializeAsync(CancellationToken cancellationToken = default) => inner.InitializeAsync(cancellationToken);

        public Task UpsertAsync(ContactInfo contact, CancellationToken cancellationToken = default) => inner.UpsertAsync(contact, cancellationToken);

        public Task UpsertManyAsync(IReadOnlyList<ContactInfo> contacts, CancellationToken cancellationToken = default)
        {
            if (Interlocked.Decrement(ref _failures) >= 0)
            {
                Interlocked.Increment(ref _failed);
                throw new IOException("read model disk error (test)");
            }

            return inner.UpsertManyAsync(contacts, cancellationToken);
        }

        public Task DeleteAsync(string tenant, string address, CancellationToken cancellationToken = default) => inner.DeleteAsync(tenant, address, cancellationToken);

        public Task<long?> GetVersionAsync(string tenant, string address, CancellationToken cancellationToken = default) => inner.GetVersionAsync(tenant, address, cancellationToken);

        public Task<long> CountAsync(string tenant, CancellationToken cancellationToken = default) => inner.CountAsync(tenant, cancellationToken);

        public Task<IReadOnlyList<ContactSummary>> ListAsync(string tenant, string? list, string? after, int limit, CancellationToken cancellationToken = default) =>
            inner.ListAsync(tenant, list, after, limit, cancellationToken);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }

    /// <summary>A bulk writer whose first writes fail, before or after the real write commits (a crash in between).</summary>
    public sealed class FailingStateBatch(IGrainStorageBatch inner, FailingStateBatch.Mode mode, int failures) : IGrainStorageBatch
    {
        private int _failures = failures;

        public enum Mode
        {
            FailBeforeWrite,
            FailAfterWrite,
        }

        public Task<IReadOnlyList<StoredState?>> ReadManyAsync(string stateName, IReadOnlyList<MailMesh.Runtime.GrainId> grains, CancellationToken cancellationToken = default) =>
            inner.ReadManyAsync(stateName, grains, cancellationToken);

        public async Task<IReadOnlyList<WriteResult>> WriteManyAsync(IReadOnlyList<StateWrite> writes, CancellationToken cancellationToken = default)
        {
            var fail = Interlocked.Decrement(ref _failures) >= 0;
            if (fail && mode == Mode.FailBeforeWrite)
            {
                throw new StorageException("disk full (test)", isTransient: true);
            }

            var results = await inner.WriteManyAsync(writes, cancellationToken);
            return fail ? throw new StorageException("crash after commit (test)", isTransient: true) : results;
        }
    }
}
