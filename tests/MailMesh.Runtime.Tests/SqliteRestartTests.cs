using System.Text;
using MailMesh.Runtime.Storage;
using MailMesh.Runtime.Tests.Grains;
using MailMesh.Runtime.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace MailMesh.Runtime.Tests;

/// <summary>Durability across silo restarts, over the real SQLite provider with a temporary file.</summary>
public sealed class SqliteRestartTests : IDisposable
{
    private const string ProfileType = "MailMesh.Runtime.Tests.Grains.IProfileGrain";
    private readonly TempDirectory _dir = new();

    private string Database => _dir.File("silo.db");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task State_WrittenBeforeRestart_IsReadAfterRestart()
    {
        var probe = new Probe();
        await using (var silo = await TestSilo.StartSqliteAsync(probe, Database))
        {
            await silo.GrainFactory.GetGrain<IProfileGrain>("t1/ann").SetName("Ann");
        }

        await using var restarted = await TestSilo.StartSqliteAsync(probe, Database);
        Assert.Equal("Ann", await restarted.GrainFactory.GetGrain<IProfileGrain>("t1/ann").GetName());
    }

    [Fact]
    public async Task GracefulShutdown_UnsavedChange_IsPersistedAndHookRuns()
    {
        var probe = new Probe();
        await using (var silo = await TestSilo.StartSqliteAsync(probe, Database))
        {
            var grain = silo.GrainFactory.GetGrain<IProfileGrain>("t1/bob");
            await grain.SetName("Bob");
            await grain.SetNameWithoutSaving("Robert");
            await silo.StopAsync();
            Assert.Contains("deactivate:t1/bob:SiloShutdown", probe.Log);
        }

        await using var restarted = await TestSilo.StartSqliteAsync(probe, Database);
        Assert.Equal("Robert", await restarted.GrainFactory.GetGrain<IProfileGrain>("t1/bob").GetName());
    }

    [Fact]
    public async Task Reminder_DueWhileSiloWasDown_FiresAfterRestartAndKeepsItsPeriod()
    {
        var probe = new Probe();
        var time = new ManualTimeProvider();
        await using (var silo = await TestSilo.StartSqliteAsync(probe, Database, time))
        {
            await silo.GrainFactory.GetGrain<IReminderGrain>("t1/remind").Start("sync", TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(10));
        }

        time.Advance(TimeSpan.FromMinutes(5));
        await using var restarted = await TestSilo.StartSqliteAsync(probe, Database, time);
        time.Advance(TimeSpan.Zero);
        await probe.WhenRecorded("reminder:t1/remind:sync@00:05:00").Within("the overdue reminder after restart");

        time.Advance(TimeSpan.FromMinutes(6));
        await probe.WhenRecorded("reminder:t1/remind:sync@00:11:00").Within("the next periodic tick");
    }

    [Fact]
    public async Task EventLog_AcrossRestart_HasNoGapAndNoDuplicate()
    {
        var probe = new Probe();
        await using (var silo = await TestSilo.StartSqliteAsync(probe, Database))
        {
            var account = silo.GrainFactory.GetGrain<IAccountGrain>("t1/acc");
            for (var i = 1; i <= 3; i++)
            {
                await account.Deposit(i);
            }

            // Raised but never written: it must not appear, not even after the restart.
            await silo.GrainFactory.GetGrain<IAccountGrain>("t1/other").RaiseOnly(99);
        }

        await using var restarted = await TestSilo.StartSqliteAsync(probe, Database, options: o => o.PersistChangedStateOnDeactivate = false);
        var account2 = restarted.GrainFactory.GetGrain<IAccountGrain>("t1/acc");
        Assert.Equal(6, await account2.Balance());
        await account2.Deposit(4);
        await account2.Deposit(5);

        var log = restarted.Services.GetRequiredService<IEventLog>();
        var events = await log.ReadAsync(1, 100);
        Assert.Equal([1L, 2L, 3L, 5L, 6L], events.Where(e => e.Subject == "t1/acc").Select(e => e.Sequence));
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Sequence));
        Assert.Equal(events.Count, events.Select(e => e.EventId).Distinct().Count());
        Assert.Equal(15, events.Where(e => e.Type == "account.deposited").Sum(e => System.Text.Json.JsonDocument.Parse(e.PayloadJson).RootElement.GetProperty("amount").GetInt64()));
        Assert.Equal(await log.GetLastSequenceAsync(), events[^1].Sequence);
    }

    [Fact]
    public async Task WriteState_ConcurrentSilosOnSameFile_StaleWriteThrowsInconsistentState()
    {
        var probe = new Probe();
        await using var first = await TestSilo.StartSqliteAsync(probe, Database);
        await using var second = await TestSilo.StartSqliteAsync(probe, Database);
        var mine = first.GrainFactory.GetGrain<IProfileGrain>("t1/shared");
        var theirs = second.GrainFactory.GetGrain<IProfileGrain>("t1/shared");
        await mine.SetName("v1");
        Assert.Equal("v1", await theirs.GetName());

        await mine.SetName("v2");
        var error = await Assert.ThrowsAsync<InconsistentStateException>(() => theirs.SetName("v3"));

        Assert.Equal(new GrainId(ProfileType, "t1/shared"), error.Grain);
        Assert.NotEqual(error.ExpectedETag, error.StoredETag);
        var events = await first.Services.GetRequiredService<IEventLog>().ReadAsync(1, 10);
        Assert.Equal(2, events.Count);
    }

    [Fact]
    public async Task Activation_CorruptedSqliteRow_FailsNamingGrainAndKeepsRow()
    {
        var probe = new Probe();
        await using var silo = await TestSilo.StartSqliteAsync(probe, Database);
        var storage = silo.Services.GetRequiredService<IGrainStorage>();
        var id = new GrainId(ProfileType, "t1/corrupt");
        var garbage = "not json at all"u8.ToArray();
        await storage.WriteAsync("profile", id, garbage, null, []);

        var error = await Assert.ThrowsAsync<GrainActivationException>(() => silo.GrainFactory.GetGrain<IProfileGrain>("t1/corrupt").GetName());

        Assert.Contains("IProfileGrain/t1/corrupt", error.Message, StringComparison.Ordinal);
        Assert.Contains("not valid JSON", error.Message, StringComparison.Ordinal);
        Assert.Equal(garbage, (await storage.ReadAsync("profile", id))!.Payload);
        await silo.GrainFactory.GetGrain<IProfileGrain>("t1/fine").SetName("fine");
    }

    [Fact]
    public async Task WriteState_SqliteFull_FailsClearlyLosesNothingOthersKeepWorking()
    {
        var probe = new Probe();
        await using (var silo = await TestSilo.StartSqliteAsync(probe, Database, maxDatabaseSizeBytes: 256 * 1024,
                         options: o => o.PersistChangedStateOnDeactivate = false))
        {
            var big = silo.GrainFactory.GetGrain<IProfileGrain>("t1/big");
            var small = silo.GrainFactory.GetGrain<IProfileGrain>("t1/small");
            await big.SetName("kept");
            await small.SetName("s1");

            var error = await Assert.ThrowsAsync<StorageException>(() => big.SetNotes(new string('x', 2 * 1024 * 1024)));

            Assert.Contains("IProfileGrain/t1/big", error.Message, StringComparison.Ordinal);
            Assert.Contains("full", error.Message, StringComparison.Ordinal);
            await small.SetName("s2");
            Assert.Equal("kept", await big.GetName());
        }

        await using var restarted = await TestSilo.StartSqliteAsync(probe, Database);
        Assert.Equal("kept", await restarted.GrainFactory.GetGrain<IProfileGrain>("t1/big").GetName());
        Assert.Equal("s2", await restarted.GrainFactory.GetGrain<IProfileGrain>("t1/small").GetName());
        var row = await restarted.Services.GetRequiredService<IGrainStorage>().ReadAsync("profile", new GrainId(ProfileType, "t1/big"));
        Assert.DoesNotContain("xxxx", Encoding.UTF8.GetString(row!.Payload), StringComparison.Ordinal);
    }
}
