using System.Text;
using MailMesh.Testing;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace MailMesh.SmokeTests;

public sealed class RabbitMqTests
{
    [ServerFact(Server.RabbitMq)]
    public async Task PublishAndConsume_OnExclusiveQueue_DeliversTheMessage()
    {
        var ct = TestContext.Timeout();
        var factory = new ConnectionFactory { Uri = TestServers.RabbitMqUri };
        await using var connection = await factory.CreateConnectionAsync(ct);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: ct);
        var queue = await channel.QueueDeclareAsync(queue: string.Empty, durable: false, exclusive: true, autoDelete: true, arguments: null, cancellationToken: ct);
        var received = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            received.TrySetResult(Encoding.UTF8.GetString(delivery.Body.Span));
            return Task.CompletedTask;
        };
        await channel.BasicConsumeAsync(queue.QueueName, autoAck: true, consumer, ct);
        var body = "smoke " + Guid.NewGuid();

        await channel.BasicPublishAsync(exchange: string.Empty, routingKey: queue.QueueName, body: Encoding.UTF8.GetBytes(body), cancellationToken: ct);

        Assert.Equal(body, await received.Task.WithTimeout($"the message published to queue {queue.QueueName}"));
    }

    [ServerFact(Server.RabbitMq)]
    public async Task ExchangeDeclare_ConsistentHashType_IsEnabled()
    {
        var ct = TestContext.Timeout();
        var factory = new ConnectionFactory { Uri = TestServers.RabbitMqUri };
        await using var connection = await factory.CreateConnectionAsync(ct);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: ct);
        var exchange = "mm-smoke-chx-" + Guid.NewGuid().ToString("N")[..8];

        await channel.ExchangeDeclareAsync(exchange, "x-consistent-hash", durable: false, autoDelete: true, cancellationToken: ct);

        await channel.ExchangeDeclarePassiveAsync(exchange, ct);
        await channel.ExchangeDeleteAsync(exchange, cancellationToken: ct);
    }
}
