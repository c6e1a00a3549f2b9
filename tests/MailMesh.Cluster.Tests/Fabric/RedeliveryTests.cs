using System.Collections.Concurrent;
using System.Globalization;
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

/// <summary>Messages the broker delivers again after the silo that had them went away: one whose state write committed
/// is not run again, one that committed nothing runs.</summary>
public sealed class RedeliveryTests : TestClusterPerTest
{
    [ServerFact(Server.Postgres, Server.RabbitMq)]
    public async Task Redelivery_CallAlreadyAppliedAndCallNotApplied_FirstAnsweredAlreadyAppliedSecondRunsOnce()
    {
        var grain = new GrainId(typeof(IClusterCounterGrain).FullName!, "acme/redelivered");
        var queue = RabbitMqFabric.QueueName(Cluster.QueuePrefix, GrainShards.ShardOf(grain, TestCluster.Shards));
        await using var broker = await new ConnectionFactory { Uri = TestServers.RabbitMqUri }.CreateConnectionAsync();
        // The first consumer of the shard queue stands in for a silo that gets the messages and then dies.
        var doomed = await broker.CreateChannelAsync();
        await doomed.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false,
            new Dictionary<string, object?> { ["x-single-active-consumer"] = true });
        var received = new ConcurrentQueue<string>();
        var bothReceived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var doomedConsumer = new AsyncEventingBasicConsumer(doomed);
        doomedConsumer.ReceivedAsync += (_, delivery) =>
        {
            received.Enqueue(delivery.BasicProperties.MessageId!);
            if (received.Count == 2)
            {
                bothReceived.TrySetResult();
            }

            return Task.CompletedTask;
        };
        await doomed.BasicConsumeAsync(queue, autoAck: false, doomedConsumer);
        var silo = await Cluster.StartSiloAsync("silo-a");
        await Cluster.ConvergeAsync();
        await using var replies = await ReplyWatch.StartAsync(broker);

        await replies.PublishAddAsync(queue, grain, amount: 5, messageId: "m-applied");
        await replies.PublishAddAsync(queue, grain, amount: 3, messageId: "m-lost");
        await ClusterDatabase.Within(bothReceived.Task, "both calls delivered to the first consumer");
        // The first delivery of m-applied ran and committed before its silo died; m-lost never ran.
        Assert.Equal(5, await silo.Silo.InvokeLocalAsync(grain, AddRequest(5), "m-applied"));
        await doomed.CloseAsync();

        var applied = await ClusterDatabase.Within(replies.For("m-applied").Task, "the answer to the redelivered m-applied");
        var lost = await ClusterDatabase.Within(replies.For("m-lost").Task, "the answer to the redelivered m-lost");

        Assert.Equal(MessageHeaders.ErrorKind, applied.Kind);
        Assert.StartsWith(typeof(MessageAlreadyAppliedException).FullName!, applied.ErrorType, StringComparison.Ordinal);
        Assert.Equal(MessageHeaders.ReplyKind, lost.Kind);
        Assert.Equal("8", lost.Body);
        Assert.Equal(8, await silo.Grains.GetGrain<IClusterCounterGrain>(grain.Key).Get());
    }

    private static GrainRequest<long> AddRequest(long amount)
    {
        var method = GrainInterfaceRegistry.Find(typeof(IClusterCounterGrain))!.Methods.Single(m => m.Name == nameof(IClusterCounterGrain.Add));
        var request = (GrainRequest<long>)method.CreateRequest();
        request.SetArgument(0, amount);
        return request;
    }

    private sealed record Reply(string? Kind, string? ErrorType, string Body);

    /// <summary>Publishes calls as a silo does (headers, JSON arguments, reply-to) and collects their answers by
    /// correlation id.</summary>
    private sealed class ReplyWatch : IAsyncDisposable
    {
        private readonly ConcurrentDictionary<string, TaskCompletionSource<Reply>> _answers = new();
        private IChannel _channel = null!;
        private string _replyQueue = "";

        public static async Task<ReplyWatch> StartAsync(IConnection broker)
        {
            var watch = new ReplyWatch { _channel = await broker.CreateChannelAsync() };
            watch._replyQueue = (await watch._channel.QueueDeclareAsync(string.Empty, durable: false, exclusive: true, autoDelete: true)).QueueName;
            var consumer = new AsyncEventingBasicConsumer(watch._channel);
            consumer.ReceivedAsync += (_, delivery) =>
            {
                var properties = delivery.BasicProperties;
                var errorType = properties.Headers?.TryGetValue(MessageHeaders.ErrorType, out var type) == true && type is byte[] bytes ? Encoding.UTF8.GetString(bytes) : null;
                watch.For(properties.CorrelationId!).TrySetResult(new Reply(properties.Type, errorType, Encoding.UTF8.GetString(delivery.Body.Span)));
                return Task.CompletedTask;
            };
            await watch._channel.BasicConsumeAsync(watch._replyQueue, autoAck: true, consumer);
            return watch;
        }

        public TaskCompletionSource<Reply> For(string correlationId) =>
            _answers.GetOrAdd(correlationId, _ => new TaskCompletionSource<Reply>(TaskCreationOptions.RunContinuationsAsynchronously));

        public async Task PublishAddAsync(string queue, GrainId grain, long amount, string messageId)
        {
            var method = GrainInterfaceRegistry.Find(typeof(IClusterCounterGrain))!.Methods.Single(m => m.Name == nameof(IClusterCounterGrain.Add));
            var properties = new BasicProperties
            {
                MessageId = messageId,
                CorrelationId = messageId,
                ReplyTo = _replyQueue,
                Type = MessageHeaders.CallKind,
                ContentType = "application/json",
                Headers = new Dictionary<string, object?>
                {
                    [MessageHeaders.GrainType] = grain.Type,
                    [MessageHeaders.GrainKey] = grain.Key,
                    [MessageHeaders.Method] = method.Id,
                    [MessageHeaders.Attempt] = 1L,
                },
            };
            await _channel.BasicPublishAsync(string.Empty, queue, mandatory: false, properties,
                Encoding.UTF8.GetBytes("[" + amount.ToString(CultureInfo.InvariantCulture) + "]"));
        }

        public async ValueTask DisposeAsync() => await _channel.DisposeAsync();
    }
}
