using MailMesh.Runtime.RabbitMq.Internal;

namespace MailMesh.Cluster.Tests.Fabric;

/// <summary>The outbox that turns calls (and answers) waiting for one destination into one message.</summary>
public sealed class CoalescerTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Enqueue_WhilePublishing_WaitingItemsGoOutTogetherCutAtTheItemAndByteCaps()
    {
        var batches = new List<int[]>();
        var firstEntered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var releaseFirst = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var allPublished = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var published = 0;
        var outbox = new Coalescer<int>(maxItems: 64, maxBytes: 65_536, async batch =>
        {
            lock (batches)
            {
                batches.Add([.. batch]);
            }

            if (batches.Count == 1)
            {
                firstEntered.SetResult();
                await releaseFirst.Task;
            }

            if ((published += batch.Count) == 153)
            {
                allPublished.SetResult();
            }
        }, (_, e) => allPublished.TrySetException(e));

        outbox.Enqueue(0, size: 10);
        await firstEntered.Task.WaitAsync(Patience);
        for (var i = 1; i <= 150; i++)
        {
            outbox.Enqueue(i, size: 10);
        }

        outbox.Enqueue(151, size: 100_000);
        outbox.Enqueue(152, size: 10);
        releaseFirst.SetResult();
        await allPublished.Task.WaitAsync(Patience);

        int[][] expected = [[0], [.. Enumerable.Range(1, 64)], [.. Enumerable.Range(65, 64)], [.. Enumerable.Range(129, 22)], [151], [152]];
        Assert.Equal(expected, batches);
    }

    [Fact]
    public async Task Enqueue_PublishThrows_FailGetsThatBatchAndLaterItemsStillGoOut()
    {
        var failed = new TaskCompletionSource<int[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        var sent = new TaskCompletionSource<int[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        var outbox = new Coalescer<int>(maxItems: 8, maxBytes: 1024, batch =>
        {
            if (batch.Contains(1))
            {
                throw new IOException("the channel is closed");
            }

            sent.TrySetResult([.. batch]);
            return Task.CompletedTask;
        }, (batch, e) => failed.TrySetResult([.. batch]));

        outbox.Enqueue(1, size: 1);
        Assert.Equal(new[] { 1 }, await failed.Task.WaitAsync(Patience));
        outbox.Enqueue(2, size: 1);
        Assert.Equal(new[] { 2 }, await sent.Task.WaitAsync(Patience));
    }

    [Fact]
    public void Split_BatchOfEnvelopes_ReturnsEachEnvelopeAndRejectsTruncatedFraming()
    {
        var calls = Enumerable.Range(0, 3).Select(i => new OutgoingCall($"c{i}", Enumerable.Repeat((byte)i, 130 * i).ToArray(), 1000)).ToArray();
        var body = CallBatch.Encode(calls);

        var envelopes = CallBatch.Split(body);

        Assert.Equal(calls.Select(c => c.Envelope), envelopes.Select(e => e.ToArray()));
        Assert.Throws<FormatException>(() => CallBatch.Split(body.AsMemory(0, body.Length - 1)));
        Assert.Throws<FormatException>(() => CallBatch.Split(body.Append((byte)0).ToArray()));
    }
}
