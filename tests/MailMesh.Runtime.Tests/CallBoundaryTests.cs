using MailMesh.Runtime.Tests.Grains;
using MailMesh.Runtime.Tests.Infrastructure;

namespace MailMesh.Runtime.Tests;

public sealed class CallBoundaryTests
{
    [Fact]
    public async Task Call_CalleeMutatesArgument_CallerObjectUnchanged()
    {
        var probe = new Probe();
        await using var silo = await TestSilo.StartInMemoryAsync(probe);
        var grain = silo.GrainFactory.GetGrain<IBoundaryGrain>("t1/boundary");
        var mine = new List<string> { "a" };

        Assert.Equal(2, await grain.AddItem(mine));
        Assert.Equal(["a"], mine);

        var box = new Box { Items = ["x"] };
        var returned = await grain.Append(box, "y");
        Assert.Equal(["x"], box.Items);
        Assert.Equal(["x", "y"], returned.Items);
        Assert.NotSame(box, returned);
    }

    [Fact]
    public async Task Call_InterfaceTypedCollectionsFromCollectionExpressions_CrossTheBoundary()
    {
        var probe = new Probe();
        await using var silo = await TestSilo.StartInMemoryAsync(probe);
        var grain = silo.GrainFactory.GetGrain<IBoundaryGrain>("t1/sorted");
        IReadOnlyList<string> input = ["b", "c", "a"];

        var sorted = await grain.Sorted(input);

        Assert.Equal(["a", "b", "c"], sorted);
        Assert.Equal(["b", "c", "a"], input);
    }

    [Fact]
    public async Task Call_CallerMutatesResult_GrainStateUnchanged()
    {
        var probe = new Probe();
        await using var silo = await TestSilo.StartInMemoryAsync(probe);
        var grain = silo.GrainFactory.GetGrain<IBoundaryGrain>("t1/result");

        var items = await grain.Items();
        items.Add("changed by the caller");

        Assert.Equal(["first"], await grain.Items());
    }

    [Fact]
    public async Task Call_GrainThrows_CallerGetsSameTypeAndMessage()
    {
        var probe = new Probe();
        await using var silo = await TestSilo.StartInMemoryAsync(probe);
        var grain = silo.GrainFactory.GetGrain<IBoundaryGrain>("t1/throws");

        var invalid = await Assert.ThrowsAsync<InvalidOperationException>(() => grain.Throw("invalid"));
        Assert.Equal("the grain refused: boom", invalid.Message);
        Assert.Contains(nameof(BoundaryGrain), invalid.StackTrace, StringComparison.Ordinal);

        var argument = await Assert.ThrowsAsync<ArgumentException>(() => grain.Throw("argument"));
        Assert.Equal("name", argument.ParamName);
        Assert.StartsWith("the name is too long", argument.Message, StringComparison.Ordinal);

        var quota = await Assert.ThrowsAsync<QuotaExceededException>(() => grain.Throw("quota"));
        Assert.Equal("Tenant acme exceeded its quota of 500 messages.", quota.Message);
        Assert.Equal(("acme", 500), (quota.Tenant, quota.Limit));

        var opaque = await Assert.ThrowsAsync<RemoteGrainException>(() => grain.Throw("opaque"));
        Assert.Equal(typeof(OpaqueException).FullName, opaque.OriginalTypeName);
        Assert.Equal("opaque failure 3", opaque.OriginalMessage);
    }

    [Fact]
    public async Task Call_ExceedsMethodTimeout_MessageNamesGrainMethodAndTimeout()
    {
        var probe = new Probe();
        var time = new ManualTimeProvider();
        await using var silo = await TestSilo.StartInMemoryAsync(probe, time);
        var grain = silo.GrainFactory.GetGrain<IBoundaryGrain>("t1/slow");

        var call = grain.Wait("never");
        await probe.WhenRecorded("waiting:never").Within("the call to start");
        time.Advance(TimeSpan.FromSeconds(3));

        var error = await Assert.ThrowsAsync<GrainCallTimeoutException>(() => call.Within("the timeout"));
        Assert.Contains("MailMesh.Runtime.Tests.Grains.IBoundaryGrain/t1/slow.Wait", error.Message, StringComparison.Ordinal);
        Assert.Contains("timed out after 2 s", error.Message, StringComparison.Ordinal);
        Assert.Contains("still running", error.Message, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromSeconds(2), error.Timeout);
        probe.Open("never");
    }

    [Fact]
    public async Task Call_QueuedBehindBusyTurn_TimesOutWithDefaultTimeout()
    {
        var probe = new Probe();
        var time = new ManualTimeProvider();
        await using var silo = await TestSilo.StartInMemoryAsync(probe, time, options: o => o.CallTimeout = TimeSpan.FromSeconds(5));
        var grain = silo.GrainFactory.GetGrain<IBoundaryGrain>("t1/queue");

        var first = grain.WaitDefault("later");
        await probe.WhenRecorded("waiting:later").Within("the first call to start");
        var second = grain.Items();
        time.Advance(TimeSpan.FromSeconds(6));

        var error = await Assert.ThrowsAsync<GrainCallTimeoutException>(() => second.Within("the queued call's timeout"));
        Assert.Contains("t1/queue.Items timed out after 5 s", error.Message, StringComparison.Ordinal);
        Assert.Contains("queued", error.Message, StringComparison.Ordinal);
        Assert.Contains("IBoundaryGrain.WaitDefault", error.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<GrainCallTimeoutException>(() => first.Within("the first call's timeout"));
        probe.Open("later");
    }

    [Fact]
    public async Task Call_CycleBackToNonReentrantGrain_ThrowsDeadlockWithChain()
    {
        var probe = new Probe();
        await using var silo = await TestSilo.StartInMemoryAsync(probe);
        var a = silo.GrainFactory.GetGrain<IChainGrain>("t1/a");

        var error = await Assert.ThrowsAsync<DeadlockException>(() => a.CallThrough(["t1/b", "t1/c", "t1/a"]).Within("the deadlock report"));
        Assert.Contains("IChainGrain/t1/a.CallThrough -> MailMesh.Runtime.Tests.Grains.IChainGrain/t1/b.CallThrough -> " +
                        "MailMesh.Runtime.Tests.Grains.IChainGrain/t1/c.CallThrough -> MailMesh.Runtime.Tests.Grains.IChainGrain/t1/a.CallThrough",
            error.Message, StringComparison.Ordinal);
        Assert.Equal(4, error.CallChain.Count);

        // A chain without a cycle, and a cycle into an [AlwaysInterleave] method, both work.
        Assert.Equal("t1/a>t1/b>t1/c", await a.CallThrough(["t1/b", "t1/c"]));
        Assert.Equal("hello from t1/a", await a.HelloVia("t1/b"));
    }

    [Fact]
    public async Task Call_ValueTaskReadAgainAfterItsAnswer_ThrowsInsteadOfReadingAnotherCall()
    {
        var probe = new Probe();
        await using var silo = await TestSilo.StartInMemoryAsync(probe);
        var counter = silo.GrainFactory.GetGrain<ICounterGrain>("t1/stale");

        var first = counter.AddFast(1);
        Assert.Equal(1, await first.AsTask().Within("the first call"));
        Assert.Equal(3, await counter.AddFast(2).AsTask().Within("the second call, which may reuse the first one's call object"));

        // A finished call's ValueTask is spent: reading it again must fail, never return a later call's answer.
#pragma warning disable CA2012 // the second read of the same ValueTask is what this test checks
        Assert.Throws<InvalidOperationException>(() => first.Result);
#pragma warning restore CA2012
    }

    [Fact]
    public async Task Call_ManyChainsReusingCallObjects_EachKeepsItsOwnChain()
    {
        var probe = new Probe();
        await using var silo = await TestSilo.StartInMemoryAsync(probe);

        // Finished calls are reused for later ones; every chain must still see only its own links.
        for (var round = 0; round < 3; round++)
        {
            var tasks = new Task<string>[200];
            for (var i = 0; i < tasks.Length; i++)
            {
                tasks[i] = silo.GrainFactory.GetGrain<IChainGrain>($"t1/x{i % 7}").CallThrough([$"t1/y{i % 5}", $"t1/z{i % 3}"]);
            }

            var results = await Task.WhenAll(tasks).Within($"200 chained calls (round {round})");
            for (var i = 0; i < results.Length; i++)
            {
                Assert.Equal($"t1/x{i % 7}>t1/y{i % 5}>t1/z{i % 3}", results[i]);
            }
        }

        var error = await Assert.ThrowsAsync<DeadlockException>(
            () => silo.GrainFactory.GetGrain<IChainGrain>("t1/x0").CallThrough(["t1/y0", "t1/x0"]).Within("the deadlock report"));
        Assert.Equal(3, error.CallChain.Count);
        Assert.Equal("hello from t1/y1", await silo.GrainFactory.GetGrain<IChainGrain>("t1/y1").HelloVia("t1/x1"));
    }

    [Fact]
    public async Task GetGrain_BadKeySyntax_ThrowsInvalidGrainKeySayingWhat()
    {
        var probe = new Probe();
        await using var silo = await TestSilo.StartInMemoryAsync(probe);

        var noSlash = Assert.Throws<InvalidGrainKeyException>(() => silo.GrainFactory.GetGrain<ICounterGrain>("counter"));
        Assert.Contains("has no '/'", noSlash.Message, StringComparison.Ordinal);
        Assert.Contains("ICounterGrain", noSlash.Message, StringComparison.Ordinal);
        var upper = Assert.Throws<InvalidGrainKeyException>(() => silo.GrainFactory.GetGrain<ICounterGrain>("Acme/x"));
        Assert.Contains("'A' at position 0", upper.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidGrainKeyException>(() => silo.GrainFactory.GetGrain<ICounterGrain>("acme/"));
        Assert.Throws<InvalidGrainKeyException>(() => silo.GrainFactory.GetGrain<ICounterGrain>(""));
        Assert.Throws<InvalidGrainKeyException>(() => silo.GrainFactory.GetGrain<ICounterGrain>("acme/a\u0001b"));
    }

    [Fact]
    public async Task Call_InterfaceWithoutGrainClass_FailsSayingHowToRegister()
    {
        var probe = new Probe();
        await using var silo = await TestSilo.StartInMemoryAsync(probe);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => silo.GrainFactory.GetGrain<IOrphanGrain>("t1/orphan").Do());
        Assert.Contains("No grain class implements MailMesh.Runtime.Tests.Grains.IOrphanGrain", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Call_BeforeStartOrAfterStop_ThrowsSiloUnavailable()
    {
        var probe = new Probe();
        var silo = await TestSilo.StartInMemoryAsync(probe);
        var grain = silo.GrainFactory.GetGrain<ILifecycleGrain>("t1/late");
        await silo.DisposeAsync();

        var error = await Assert.ThrowsAsync<SiloUnavailableException>(() => grain.Ping());
        Assert.Contains("stopped", error.Message, StringComparison.Ordinal);
    }
}
