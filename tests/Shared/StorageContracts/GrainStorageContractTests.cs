using MailMesh.Testing;

namespace MailMesh.Runtime.Storage.Contracts;

/// <summary>What every <see cref="IGrainStorage"/> must do. Derive once per provider and implement
/// <see cref="StorageContractTestBase.CreateBackendAsync"/>.</summary>
public abstract class GrainStorageContractTests : StorageContractTestBase
{
    private const string StateName = "state";
    private static readonly EventDraft[] NoEvents = [];

    private IGrainStorage Storage => Backend.GrainStorage;

    [SkippableFact]
    public async Task ReadAsync_MissingRow_ReturnsNull()
    {
        Assert.Null(await Storage.ReadAsync(StateName, Grain()));
    }

    [SkippableFact]
    public async Task WriteAsync_NewRow_ReadReturnsPayloadAndETag()
    {
        var payload = Json("{\"count\":42,\"name\":\"żółw\"}");

        var result = await Storage.WriteAsync(StateName, Grain(), payload, expectedETag: null, NoEvents);

        var stored = await Storage.ReadAsync(StateName, Grain());
        Assert.NotNull(stored);
        Assert.Equal(payload, stored.Payload);
        Assert.False(string.IsNullOrEmpty(result.ETag));
        Assert.Equal(result.ETag, stored.ETag);
        Assert.Empty(result.EventSequences);
    }

    [SkippableFact]
    public async Task WriteAsync_EmptyAndLargePayloads_RoundTripExactly()
    {
        var large = new byte[2 * 1024 * 1024];
        new Random(11).NextBytes(large);

        await Storage.WriteAsync("empty", Grain(), ReadOnlyMemory<byte>.Empty, null, NoEvents);
        await Storage.WriteAsync("large", Grain(), large.AsMemory(1, large.Length - 2), null, NoEvents);

        Assert.Empty((await Storage.ReadAsync("empty", Grain()))!.Payload);
        Assert.Equal(large[1..^1], (await Storage.ReadAsync("large", Grain()))!.Payload);
    }

    [SkippableFact]
    public async Task WriteAsync_EachWrite_GivesNewETag()
    {
        var first = await Storage.WriteAsync(StateName, Grain(), Json("{}"), null, NoEvents);
        var second = await Storage.WriteAsync(StateName, Grain(), Json("{}"), first.ETag, NoEvents);
        var third = await Storage.WriteAsync(StateName, Grain(), Json("{}"), second.ETag, NoEvents);

        Assert.Equal(3, new HashSet<string?> { first.ETag, second.ETag, third.ETag }.Count);
        Assert.Equal(third.ETag, (await Storage.ReadAsync(StateName, Grain()))!.ETag);
    }

    [SkippableFact]
    public async Task WriteAsync_StaleETag_ThrowsNamingBothETagsAndChangesNothing()
    {
        var first = await Storage.WriteAsync(StateName, Grain(), Json("{\"v\":1}"), null, NoEvents);
        var second = await Storage.WriteAsync(StateName, Grain(), Json("{\"v\":2}"), first.ETag, NoEvents);

        var error = await Assert.ThrowsAsync<InconsistentStateException>(
            () => Storage.WriteAsync(StateName, Grain(), Json("{\"v\":3}"), first.ETag, [Event()]));

        Assert.Equal(first.ETag, error.ExpectedETag);
        Assert.Equal(second.ETag, error.StoredETag);
        Assert.Contains(first.ETag!, error.Message, StringComparison.Ordinal);
        Assert.Contains(second.ETag!, error.Message, StringComparison.Ordinal);
        Assert.Contains(Grain().ToString(), error.Message, StringComparison.Ordinal);
        var stored = await Storage.ReadAsync(StateName, Grain());
        Assert.Equal(Json("{\"v\":2}"), stored!.Payload);
        Assert.Equal(0, await Backend.EventLog.GetLastSequenceAsync());
    }

    [SkippableFact]
    public async Task WriteAsync_NullETagWhileRowExists_IsStale()
    {
        var first = await Storage.WriteAsync(StateName, Grain(), Json("{}"), null, NoEvents);

        var error = await Assert.ThrowsAsync<InconsistentStateException>(
            () => Storage.WriteAsync(StateName, Grain(), Json("{\"other\":true}"), null, NoEvents));

        Assert.Null(error.ExpectedETag);
        Assert.Equal(first.ETag, error.StoredETag);
        Assert.Equal(Json("{}"), (await Storage.ReadAsync(StateName, Grain()))!.Payload);
    }

    [SkippableFact]
    public async Task WriteAsync_ETagWhileNoRowExists_IsStale()
    {
        var error = await Assert.ThrowsAsync<InconsistentStateException>(
            () => Storage.WriteAsync(StateName, Grain(), Json("{}"), "made-up-etag", NoEvents));

        Assert.Equal("made-up-etag", error.ExpectedETag);
        Assert.Null(error.StoredETag);
        Assert.Null(await Storage.ReadAsync(StateName, Grain()));
    }

    [SkippableFact]
    public async Task WriteAsync_DifferentStateNamesTypesAndKeys_AreSeparateRows()
    {
        await Storage.WriteAsync("a", Grain("acme/x"), Json("{\"a\":1}"), null, NoEvents);
        await Storage.WriteAsync("b", Grain("acme/x"), Json("{\"b\":1}"), null, NoEvents);
        await Storage.WriteAsync("a", Grain("acme/y"), Json("{\"y\":1}"), null, NoEvents);
        await Storage.WriteAsync("a", Grain("acme/x", "Other.IGrain"), Json("{\"o\":1}"), null, NoEvents);

        Assert.Equal(Json("{\"a\":1}"), (await Storage.ReadAsync("a", Grain("acme/x")))!.Payload);
        Assert.Equal(Json("{\"b\":1}"), (await Storage.ReadAsync("b", Grain("acme/x")))!.Payload);
        Assert.Equal(Json("{\"y\":1}"), (await Storage.ReadAsync("a", Grain("acme/y")))!.Payload);
        Assert.Equal(Json("{\"o\":1}"), (await Storage.ReadAsync("a", Grain("acme/x", "Other.IGrain")))!.Payload);
    }

    [SkippableFact]
    public async Task ClearAsync_CurrentETag_DeletesRow()
    {
        var written = await Storage.WriteAsync(StateName, Grain(), Json("{}"), null, NoEvents);

        var cleared = await Storage.ClearAsync(StateName, Grain(), written.ETag, NoEvents);

        Assert.Null(cleared.ETag);
        Assert.Null(await Storage.ReadAsync(StateName, Grain()));
        var again = await Storage.WriteAsync(StateName, Grain(), Json("{\"new\":1}"), null, NoEvents);
        Assert.NotEqual(written.ETag, again.ETag);
    }

    [SkippableFact]
    public async Task ClearAsync_StaleETag_ThrowsAndKeepsRow()
    {
        var first = await Storage.WriteAsync(StateName, Grain(), Json("{\"v\":1}"), null, NoEvents);
        var second = await Storage.WriteAsync(StateName, Grain(), Json("{\"v\":2}"), first.ETag, NoEvents);

        var error = await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.ClearAsync(StateName, Grain(), first.ETag, [Event()]));

        Assert.Equal(second.ETag, error.StoredETag);
        Assert.Equal(second.ETag, (await Storage.ReadAsync(StateName, Grain()))!.ETag);
        Assert.Equal(0, await Backend.EventLog.GetLastSequenceAsync());
    }

    [SkippableFact]
    public async Task ClearAsync_NoRowAndNullETag_SucceedsAndAppendsEvents()
    {
        var cleared = await Storage.ClearAsync(StateName, Grain(), null, [Event("mailbox.deleted")]);

        Assert.Null(cleared.ETag);
        Assert.Equal([1L], cleared.EventSequences);
    }

    [SkippableFact]
    public async Task WriteAsync_WithEvents_AppendsThemInOrderWithTheirSequences()
    {
        EventDraft[] events = [Event("mailbox.created"), Event("mailbox.renamed", payload: "{\"to\":\"Inbox\"}")];

        var first = await Storage.WriteAsync(StateName, Grain(), Json("{}"), null, events);
        var second = await Storage.WriteAsync(StateName, Grain(), Json("{}"), first.ETag, [Event("mailbox.archived")]);

        Assert.Equal([1L, 2L], first.EventSequences);
        Assert.Equal([3L], second.EventSequences);
        var stored = await Backend.EventLog.ReadAsync(1, 10);
        Assert.Equal(events.Select(e => e.EventId), stored.Take(2).Select(e => e.EventId));
        Assert.Equal("{\"to\":\"Inbox\"}", stored[1].PayloadJson);
    }

    [SkippableFact]
    public async Task WriteAsync_DuplicateEventId_WritesNeitherStateNorAnyEvent()
    {
        var existing = Event("mailbox.created");
        var first = await Storage.WriteAsync(StateName, Grain(), Json("{\"v\":1}"), null, [existing]);

        // The failure comes after the state row and a first event were written inside the transaction.
        var fresh = Event("mailbox.renamed");
        await Assert.ThrowsAsync<StorageException>(
            () => Storage.WriteAsync(StateName, Grain(), Json("{\"v\":2}"), first.ETag, [fresh, existing]));

        var stored = await Storage.ReadAsync(StateName, Grain());
        Assert.Equal(first.ETag, stored!.ETag);
        Assert.Equal(Json("{\"v\":1}"), stored.Payload);
        var events = await Backend.EventLog.ReadAsync(0, 10);
        Assert.Equal([existing.EventId], events.Select(e => e.EventId));
        var next = await Storage.WriteAsync(StateName, Grain(), Json("{\"v\":3}"), first.ETag, [Event()]);
        Assert.Equal([2L], next.EventSequences);
    }

    [SkippableFact]
    public async Task WriteAsync_CancelledToken_WritesNothing()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => Storage.WriteAsync(StateName, Grain(), Json("{}"), null, [Event()], cancelled.Token));

        Assert.Null(await Storage.ReadAsync(StateName, Grain()));
        Assert.Equal(0, await Backend.EventLog.GetLastSequenceAsync());
    }

    [SkippableFact]
    public async Task WriteAsync_BadArguments_ThrowClearErrors()
    {
        var empty = await Assert.ThrowsAsync<ArgumentException>(() => Storage.WriteAsync("", Grain(), Json("{}"), null, NoEvents));
        Assert.Contains("state name", empty.Message, StringComparison.Ordinal);
        var badPayload = await Assert.ThrowsAsync<ArgumentException>(
            () => Storage.WriteAsync(StateName, Grain(), Json("{}"), null, [Event(payload: "[1,2]")]));
        Assert.Contains("JSON object", badPayload.Message, StringComparison.Ordinal);
        var brokenJson = await Assert.ThrowsAsync<ArgumentException>(
            () => Storage.WriteAsync(StateName, Grain(), Json("{}"), null, [Event(payload: "{\"a\":")]));
        Assert.Contains("not valid JSON", brokenJson.Message, StringComparison.Ordinal);
        var trailing = await Assert.ThrowsAsync<ArgumentException>(
            () => Storage.WriteAsync(StateName, Grain(), Json("{}"), null, [Event(payload: "{} {}")]));
        Assert.Contains("not valid JSON", trailing.Message, StringComparison.Ordinal);
        var badTenant = await Assert.ThrowsAsync<ArgumentException>(
            () => Storage.WriteAsync(StateName, Grain(), Json("{}"), null, [Event(tenant: "Acme")]));
        Assert.Contains("tenant", badTenant.Message, StringComparison.Ordinal);
        var twice = Event();
        var repeated = await Assert.ThrowsAsync<ArgumentException>(
            () => Storage.WriteAsync(StateName, Grain(), Json("{}"), null, [twice, twice]));
        Assert.Contains(twice.EventId.ToString(), repeated.Message, StringComparison.Ordinal);
        Assert.Null(await Storage.ReadAsync(StateName, Grain()));
    }

    [SkippableFact]
    public async Task WriteAsync_FiftyConcurrentWriters_SequencesHaveNoGapsAndNoDuplicates()
    {
        const int writers = 50;
        const int writesEach = 10;
        using var start = new SemaphoreSlim(0);
        var tasks = Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            await start.WaitAsync();
            var grain = Grain($"acme/writer-{w}");
            string? etag = null;
            var sequences = new List<long>();
            for (var i = 0; i < writesEach; i++)
            {
                var events = Enumerable.Range(0, 1 + (i % 3)).Select(_ => Event(subject: grain.Key)).ToArray();
                var result = await Storage.WriteAsync(StateName, grain, Json($"{{\"i\":{i}}}"), etag, events);
                etag = result.ETag;
                sequences.AddRange(result.EventSequences);
            }

            return sequences;
        })).ToArray();
        start.Release(writers);

        var perWriter = await Within(Task.WhenAll(tasks), "50 concurrent writers to finish");

        var all = perWriter.SelectMany(s => s).Order().ToArray();
        var expected = writers * Enumerable.Range(0, writesEach).Sum(i => 1 + (i % 3));
        Assert.Equal(Enumerable.Range(1, expected).Select(n => (long)n), all);
        Assert.All(perWriter, s => Assert.Equal(s.Order(), s));
        Assert.Equal(expected, await Backend.EventLog.GetLastSequenceAsync());
        var stored = await Backend.EventLog.ReadAsync(1, expected + 10);
        Assert.Equal(all, stored.Select(e => e.Sequence));
    }

    [SkippableFact]
    public async Task WriteAsync_ConcurrentWritersWithSameETag_ExactlyOneWins()
    {
        var initial = await Storage.WriteAsync(StateName, Grain(), Json("{\"v\":0}"), null, NoEvents);
        using var start = new SemaphoreSlim(0);
        var attempts = Enumerable.Range(1, 20).Select(n => Task.Run(async () =>
        {
            await start.WaitAsync();
            try
            {
                await Storage.WriteAsync(StateName, Grain(), Json($"{{\"v\":{n}}}"), initial.ETag, [Event()]);
                return true;
            }
            catch (InconsistentStateException)
            {
                return false;
            }
        })).ToArray();
        start.Release(attempts.Length);

        var outcomes = await Within(Task.WhenAll(attempts), "20 competing writers to finish");

        Assert.Single(outcomes, won => won);
        Assert.Equal(1, await Backend.EventLog.GetLastSequenceAsync());
    }

    [SkippableFact]
    public async Task ReopenAsync_StateAndETagsSurviveARestart()
    {
        var written = await Storage.WriteAsync(StateName, Grain(), Json("{\"kept\":true}"), null, [Event()]);

        await ReopenAsync();

        var stored = await Storage.ReadAsync(StateName, Grain());
        Assert.Equal(Json("{\"kept\":true}"), stored!.Payload);
        Assert.Equal(written.ETag, stored.ETag);
        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.WriteAsync(StateName, Grain(), Json("{}"), null, NoEvents));
        var next = await Storage.WriteAsync(StateName, Grain(), Json("{}"), written.ETag, [Event()]);
        Assert.Equal([2L], next.EventSequences);
    }
}
