using System.Text;
using MailMesh.Runtime.Storage;
using MailMesh.Testing;

namespace MailMesh.Runtime.PostgreSql.Tests;

/// <summary>Two silos (stores with their own pools) writing the same grains and the event log at once.</summary>
public sealed class PostgreSqlTwoSiloTests : TwoSiloTestBase
{
    private static readonly GrainId Counter = GrainId.Create("MailMesh.Tests.ICounterGrain", "acme/counter");

    [ServerFact(Server.Postgres)]
    public async Task WriteAsync_TwoSilosIncrementOneGrain_EveryIncrementCountedOnceWithOneEventEach()
    {
        const int incrementsPerWriter = 40;
        const int writersPerSilo = 4;
        using var start = new SemaphoreSlim(0);
        var writers = new[] { SiloA, SiloB }
            .SelectMany(silo => Enumerable.Range(0, writersPerSilo).Select(_ => Task.Run(async () =>
            {
                var storage = new PostgreSqlGrainStorage(silo);
                await start.WaitAsync();
                var conflicts = 0;
                for (var done = 0; done < incrementsPerWriter;)
                {
                    var stored = await storage.ReadAsync("state", Counter);
                    var value = stored is null ? 0 : int.Parse(Encoding.UTF8.GetString(stored.Payload), System.Globalization.CultureInfo.InvariantCulture);
                    try
                    {
                        await storage.WriteAsync("state", Counter, Encoding.UTF8.GetBytes((value + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)),
                            stored?.ETag, [Event(Counter.Key)]);
                        done++;
                    }
                    catch (InconsistentStateException)
                    {
                        conflicts++;
                    }
                }

                return conflicts;
            }))).ToArray();
        start.Release(writers.Length);

        var conflicts = await Within(Task.WhenAll(writers), "8 writers on two silos to increment one counter 320 times");

        const int total = 2 * writersPerSilo * incrementsPerWriter;
        var final = await new PostgreSqlGrainStorage(SiloB).ReadAsync("state", Counter);
        Assert.Equal(total.ToString(System.Globalization.CultureInfo.InvariantCulture), Encoding.UTF8.GetString(final!.Payload));
        Assert.True(conflicts.Sum() > 0, "the writers never collided, so the test proved nothing about ETag fencing");
        var events = await new PostgreSqlEventLog(SiloA).ReadAsync(0, total + 10);
        Assert.Equal(Enumerable.Range(1, total).Select(n => (long)n), events.Select(e => e.Sequence));
    }

    [ServerFact(Server.Postgres)]
    public async Task WriteAsync_TwoSilosAppendWhileAReaderTails_ReaderSeesEverySequenceOnceInOrder()
    {
        const int grainsPerSilo = 10;
        const int writesPerGrain = 15;
        const int total = 2 * grainsPerSilo * writesPerGrain * 2;
        using var writersDone = new CancellationTokenSource();
        var log = new PostgreSqlEventLog(SiloB);
        var tail = Task.Run(async () =>
        {
            var seen = new List<long>();
            var next = 1L;
            while (next <= total)
            {
                var batch = await log.ReadAsync(next, 50);
                foreach (var e in batch)
                {
                    // A sequence below one already seen would be a commit out of order; a jump would be a gap.
                    Assert.Equal(next, e.Sequence);
                    seen.Add(e.Sequence);
                    next++;
                }

                if (batch.Count == 0)
                {
                    await log.WaitForEventsAsync(next - 1);
                }
            }

            return seen;
        });
        var writers = new[] { SiloA, SiloB }.SelectMany((silo, s) => Enumerable.Range(0, grainsPerSilo).Select(g => Task.Run(async () =>
        {
            var storage = new PostgreSqlGrainStorage(silo);
            var grain = GrainId.Create("T", $"acme/s{s}-g{g}");
            string? etag = null;
            for (var i = 0; i < writesPerGrain; i++)
            {
                etag = (await storage.WriteAsync("state", grain, "{}"u8.ToArray(), etag, [Event(grain.Key), Event(grain.Key)])).ETag;
            }
        }))).ToArray();

        await Within(Task.WhenAll(writers), "20 grains on two silos to append 600 events");
        var seen = await Within(tail, "the tailing reader to see all 600 events");

        Assert.Equal(total, seen.Count);
        Assert.Equal(total, await new PostgreSqlEventLog(SiloA).GetLastSequenceAsync());
    }

    [ServerFact(Server.Postgres)]
    public async Task WaitForEventsAsync_OtherSiloCommits_WakesThroughNotificationWithoutPolling()
    {
        var log = new PostgreSqlEventLog(SiloB);
        var waiting = log.WaitForEventsAsync(0);
        await Within(SiloB.Listening, "silo B to LISTEN for event notifications");
        Assert.False(waiting.IsCompleted, "the wait completed before any event existed");

        await new PostgreSqlGrainStorage(SiloA).WriteAsync("state", Counter, "{}"u8.ToArray(), null, [Event(Counter.Key)]);

        // The poll interval is 10 minutes: only the NOTIFY sent by silo A's commit can wake silo B in time.
        await Within(waiting, "silo B's wait to wake after silo A appended an event");
    }

    [ServerFact(Server.Postgres)]
    public async Task WriteAsync_ZombieSiloWithStaleETag_CannotOverwriteNewerState()
    {
        var storageA = new PostgreSqlGrainStorage(SiloA);
        var storageB = new PostgreSqlGrainStorage(SiloB);
        var original = await storageA.WriteAsync("state", Counter, "\"a1\""u8.ToArray(), null, []);
        // Silo A pauses; its shard moves to silo B, which reads the state and writes a newer version.
        var read = await storageB.ReadAsync("state", Counter);
        await storageB.WriteAsync("state", Counter, "\"b1\""u8.ToArray(), read!.ETag, [Event(Counter.Key)]);

        var error = await Assert.ThrowsAsync<InconsistentStateException>(
            () => storageA.WriteAsync("state", Counter, "\"a2\""u8.ToArray(), original.ETag, [Event(Counter.Key)]));

        Assert.Equal(original.ETag, error.ExpectedETag);
        Assert.Equal("\"b1\""u8.ToArray(), (await storageA.ReadAsync("state", Counter))!.Payload);
        Assert.Equal(1, await new PostgreSqlEventLog(SiloA).GetLastSequenceAsync());
    }
}
