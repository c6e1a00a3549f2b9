using System.Buffers;
using System.Collections.Concurrent;
using System.Text;
using MailMesh.Runtime;
using MailMesh.Runtime.Cluster;
using MailMesh.Runtime.Invocation;
using MailMesh.Runtime.RabbitMq;
using MailMesh.Runtime.RabbitMq.Internal;
using MailMesh.Testing;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace MailMesh.Cluster.Tests.Fabric;

/// <summary>Calls coalesced into batches: many calls in few messages, each run once in order; a batch redelivered
/// after its silo died mid-batch re-runs only the calls that did not commit; a poison call inside a batch is
/// dead-lettered alone while the others run.</summary>
public sealed class CallBatchTests : TestClusterPerTest
{
    private static readonly string CounterType = typeof(IClusterCounterGrain).FullName!;

    [ServerFact(Server.Postgres, Server.RabbitMq)]
    public async Task Call_ThousandConcurrentCallsToAnotherSilo_TravelInBatchesOfAtMost64AndEachRunsOnce()
    {
        var (a, b) = await Cluster.StartTwoSilosAsync();
        var keys = TestCluster.KeysOwnedBy<IClusterCounterGrain>("silo-b", Enumerable.Range(0, 1000).Select(i => $"acme/batched{i}")).Take(20).ToArray();
        const int PerGrain = 50;

        var calls = keys.Select(k => Enumerable.Range(0, PerGrain).Select(_ => a.Grains.GetGrain<IClusterCounterGrain>(k).Add(1)).ToArray()).ToArray();
        var answers = await ClusterDatabase.Within(Task.WhenAll(calls.Select(Task.WhenAll)), "1,000 concurrent calls to silo-b answered");

        foreach (var grainAnswers in answers)
        {
            Assert.Equal(Enumerable.Range(1, PerGrain).Select(i => (long)i), grainAnswers.Order());
        }

        foreach (var key in keys)
        {
            Assert.Equal(PerGrain, await b.Grains.GetGrain<IClusterCounterGrain>(key).Get());
        }

        var sent = a.Fabric.Statistics;
        Assert.Equal(keys.Length * PerGrain, sent.CallsSent);
        Assert.InRange(sent.CallMessagesSent, (sent.CallsSent + 63) / 64, sent.CallsSent - 1);
        var answered = b.Fabric.Statistics;
        Assert.Equal(keys.Length * PerGrain, answered.RepliesSent);
        Assert.InRange(answered.ReplyMessagesSent, (answered.RepliesSent + 63) / 64, answered.RepliesSent);
    }

    [ServerFact(Server.Postgres, Server.RabbitMq)]
    public async Task Redelivery_BatchWhoseSiloDiedAfterItsFirstCallCommitted_OnlyTheOtherCallsRun()
    {
        var (x, y, queue) = TwoGrainsOfOneShard("redelivered");
        await using var broker = await new ConnectionFactory { Uri = TestServers.RabbitMqUri }.CreateConnectionAsync();
        // The first consumer of the shard queue stands in for a silo that receives the batch and then dies.
        var doomed = await broker.CreateChannelAsync();
        await doomed.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false,
            new Dictionary<string, object?> { ["x-single-active-consumer"] = true });
        var received = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var doomedConsumer = new AsyncEventingBasicConsumer(doomed);
        doomedConsumer.ReceivedAsync += (_, _) =>
        {
            received.TrySetResult();
            return Task.CompletedTask;
        };
        await doomed.BasicConsumeAsync(queue, autoAck: false, doomedConsumer);
        var silo = await Cluster.StartSiloAsync("silo-a");
        await Cluster.ConvergeAsync();
        await using var client = await BatchClient.StartAsync(broker);

        await client.PublishAsync(queue, Call("m1", x, "Add", "[5]"), Call("m2", x, "Add", "[3]"), Call("m3", y, "Add", "[7]"));
        await ClusterDatabase.Within(received.Task, "the batch delivered to the first consumer");
        // The dying silo committed m1 (the first call of the batch) and nothing after it.
        var add = (GrainRequest<long>)Method("Add").CreateRequest();
        add.SetArgument(0, 5L);
        Assert.Equal(5, await silo.Silo.InvokeLocalAsync(x, add, "m1"));
        await doomed.CloseAsync();

        var m1 = await ClusterDatabase.Within(client.For("m1").Task, "the answer to m1 after the redelivery");
        var m2 = await ClusterDatabase.Within(client.For("m2").Task, "the answer to m2 after the redelivery");
        var m3 = await ClusterDatabase.Within(client.For("m3").Task, "the answer to m3 after the redelivery");
        Assert.StartsWith(typeof(MessageAlreadyAppliedException).FullName!, m1.ErrorType, StringComparison.Ordinal);
        Assert.Equal((null, "8"), (m2.ErrorType, m2.Body));
        Assert.Equal((null, "7"), (m3.ErrorType, m3.Body));
        Assert.Equal(8, await silo.Grains.GetGrain<IClusterCounterGrain>(x.Key).Get());
        Assert.Equal(7, await silo.Grains.GetGrain<IClusterCounterGrain>(y.Key).Get());
    }

    [ServerFact(Server.Postgres, Server.RabbitMq)]
    public async Task Delivery_BatchWithAnUnreadableCallAndAFailingCall_PoisonIsDeadLetteredAloneAndTheOthersSucceed()
    {
        var (x, y, queue) = TwoGrainsOfOneShard("poison");
        var silo = await Cluster.StartSiloAsync("silo-a");
        await Cluster.ConvergeAsync();
        await using var broker = await new ConnectionFactory { Uri = TestServers.RabbitMqUri }.CreateConnectionAsync();
        await using var client = await BatchClient.StartAsync(broker);
        var deadLetters = await DeadLetterWatch.StartAsync(broker, Cluster.QueuePrefix + ".dead", expected: 2);

        await client.PublishAsync(queue,
            Call("p1", x, "Add", "[2]"),
            CallEnvelope.Encode("p2", "p2", x, methodId: 987_654, attempt: 1, trace: default, w => w.Write("[1]"u8)),
            [0xFF, 0xFF, 0xFF],
            Call("p4", y, "Fail", "[\"boom\"]"),
            Call("p5", x, "Add", "[4]"));

        var p1 = await ClusterDatabase.Within(client.For("p1").Task, "the answer to p1");
        var p2 = await ClusterDatabase.Within(client.For("p2").Task, "the answer to the unknown method p2");
        var p4 = await ClusterDatabase.Within(client.For("p4").Task, "the answer to the failing p4");
        var p5 = await ClusterDatabase.Within(client.For("p5").Task, "the answer to p5");
        Assert.Equal((null, "2"), (p1.ErrorType, p1.Body));
        Assert.StartsWith(typeof(InvalidOperationException).FullName!, p2.ErrorType, StringComparison.Ordinal);
        Assert.StartsWith(typeof(QuotaExceededException).FullName!, p4.ErrorType, StringComparison.Ordinal);
        Assert.Equal((null, "6"), (p5.ErrorType, p5.Body));
        var dead = await ClusterDatabase.Within(deadLetters.All, "two calls in the dead-letter queue");
        Assert.All(dead, d => Assert.Equal(queue, d.OriginalQueue));
        Assert.All(dead, d => Assert.StartsWith("unreadable call", d.Error, StringComparison.Ordinal));
        Assert.Equal(["", "p2"], dead.Select(d => d.MessageId ?? "").Order());
        Assert.Equal(6, await silo.Grains.GetGrain<IClusterCounterGrain>(x.Key).Get());
    }

    [ServerFact(Server.Postgres, Server.RabbitMq)]
    public async Task Delivery_CallCarriedByAShardOfAnotherSilo_ForwardedToItsOwnShardAndRunByItsOwner()
    {
        var (a, _) = await Cluster.StartTwoSilosAsync();
        var carrier = TestCluster.TwoSiloShardOwners.ToList().IndexOf("silo-a");
        var grain = new GrainId(CounterType, TestCluster.KeysOwnedBy<IClusterCounterGrain>("silo-b", Enumerable.Range(0, 1000).Select(i => $"acme/carried{i}")).First());
        await using var broker = await new ConnectionFactory { Uri = TestServers.RabbitMqUri }.CreateConnectionAsync();
        await using var client = await BatchClient.StartAsync(broker);

        // As a caller with a stale view would: silo-b's grain in a batch to a queue silo-a consumes.
        await client.PublishAsync(RabbitMqFabric.QueueName(Cluster.QueuePrefix, carrier), Call("w1", grain, "WhereAmI", "[]"));

        var answer = await ClusterDatabase.Within(client.For("w1").Task, "the answer to the forwarded call");
        Assert.Equal((null, "\"silo-b\""), (answer.ErrorType, answer.Body));
        Assert.Equal(1, a.Fabric.Statistics.CallsForwarded);
    }

    private (GrainId X, GrainId Y, string Queue) TwoGrainsOfOneShard(string name)
    {
        var x = new GrainId(CounterType, $"acme/{name}-x");
        var shard = GrainShards.ShardOf(x, TestCluster.Shards);
        var y = Enumerable.Range(0, 1000).Select(i => new GrainId(CounterType, $"acme/{name}-y{i}"))
            .First(g => GrainShards.ShardOf(g, TestCluster.Shards) == shard);
        return (x, y, RabbitMqFabric.QueueName(Cluster.QueuePrefix, shard));
    }

    private static GrainMethodInfo Method(string name) =>
        GrainInterfaceRegistry.Find(typeof(IClusterCounterGrain))!.Methods.Single(m => m.Name == name);

    private static byte[] Call(string messageId, GrainId grain, string method, string jsonArguments) =>
        CallEnvelope.Encode(messageId, messageId, grain, Method(method).Id, attempt: 1, trace: default, w => w.Write(Encoding.UTF8.GetBytes(jsonArguments)));

    private sealed record Answer(string? ErrorType, string Body);

    private sealed record DeadLetter(string? MessageId, string OriginalQueue, string Error);

    /// <summary>Publishes call batches as a silo does and collects the answers of the reply batches by correlation id.</summary>
    private sealed class BatchClient : IAsyncDisposable
    {
        private readonly ConcurrentDictionary<string, TaskCompletionSource<Answer>> _answers = new();
        private IChannel _channel = null!;
        private string _replyQueue = "";

        public static async Task<BatchClient> StartAsync(IConnection broker)
        {
            var client = new BatchClient { _channel = await broker.CreateChannelAsync() };
            client._replyQueue = (await client._channel.QueueDeclareAsync(string.Empty, durable: false, exclusive: true, autoDelete: true)).QueueName;
            var consumer = new AsyncEventingBasicConsumer(client._channel);
            consumer.ReceivedAsync += (_, delivery) =>
            {
                Assert.Equal(ReplyBatch.Kind, delivery.BasicProperties.Type);
                ReplyBatch.Read(delivery.Body.Span, (id, error, body) => client.For(id).TrySetResult(new Answer(error?.Type, Encoding.UTF8.GetString(body))));
                return Task.CompletedTask;
            };
            await client._channel.BasicConsumeAsync(client._replyQueue, autoAck: true, consumer);
            return client;
        }

        public TaskCompletionSource<Answer> For(string correlationId) =>
            _answers.GetOrAdd(correlationId, _ => new TaskCompletionSource<Answer>(TaskCreationOptions.RunContinuationsAsynchronously));

        public async Task PublishAsync(string queue, params byte[][] envelopes)
        {
            var properties = new BasicProperties { Type = CallBatch.Kind, ContentType = CallBatch.ContentType, ReplyTo = _replyQueue };
            var body = CallBatch.Encode(envelopes.Select(e => new OutgoingCall("", e, 30_000)).ToArray());
            await _channel.BasicPublishAsync(string.Empty, queue, mandatory: false, properties, body);
        }

        public async ValueTask DisposeAsync() => await _channel.DisposeAsync();
    }

    /// <summary>Collects the first <c>expected</c> messages of the dead-letter queue.</summary>
    private sealed class DeadLetterWatch
    {
        private readonly ConcurrentQueue<DeadLetter> _received = new();
        private readonly TaskCompletionSource<DeadLetter[]> _all = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<DeadLetter[]> All => _all.Task;

        public static async Task<DeadLetterWatch> StartAsync(IConnection broker, string queue, int expected)
        {
            var watch = new DeadLetterWatch();
            var channel = await broker.CreateChannelAsync();
            await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false);
            var consumer = new AsyncEventingBasicConsumer(channel);
            consumer.ReceivedAsync += (_, delivery) =>
            {
                var headers = delivery.BasicProperties.Headers!;
                watch._received.Enqueue(new DeadLetter(delivery.BasicProperties.MessageId,
                    Encoding.UTF8.GetString((byte[])headers["mm-original-queue"]!),
                    Encoding.UTF8.GetString((byte[])headers["mm-error-message"]!)));
                if (watch._received.Count == expected)
                {
                    watch._all.TrySetResult([.. watch._received]);
                }

                return Task.CompletedTask;
            };
            await channel.BasicConsumeAsync(queue, autoAck: true, consumer);
            return watch;
        }
    }
}
