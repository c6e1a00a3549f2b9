using System.Text;
using System.Text.Json;
using MailMesh.Api.V1;
using MailMesh.Client;
using MailMesh.Relays.Positions;
using MailMesh.Relays.RabbitMq;
using MailMesh.Runtime;
using MailMesh.Testing;
using Microsoft.Extensions.DependencyInjection;
using RabbitMQ.Client;

namespace MailMesh.Relays.Tests;

public sealed class RabbitMqRelayTests
{
    [ServerFact(Server.RabbitMq)]
    public async Task Relay_ConsumerBoundWithPattern_ReceivesExactlyTheMatchingEventsAcrossARestart()
    {
        var factory = new ConnectionFactory { Uri = TestServers.RabbitMqUri };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync("mailmesh.events", ExchangeType.Topic, durable: true, autoDelete: false);
        var tenant = "relay-" + Guid.NewGuid().ToString("N")[..8];
        var queue = (await channel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true)).QueueName;
        await channel.QueueBindAsync(queue, "mailmesh.events", tenant + ".mailbox.#");
        var dataDirectory = RelaySilo.NewDataDirectory();
        var received = new List<(string RoutingKey, string Name, string MessageId, bool Persistent)>();
        string[] args = ["--Relays:RabbitMq:Uri", TestServers.RabbitMqUri.ToString()];

        await using (var first = await RelaySilo.StartAsync(dataDirectory, args))
        {
            await WaitForFirstPositionAsync(first);
            using var tenantClient = await CreateTenantAsync(first, tenant);
            await tenantClient.Mailboxes.CreateAsync(new CreateMailboxRequest { Name = "inbox", DisplayName = "Inbox" });
            // Another tenant's mailbox: same type, other routing key, not bound.
            await first.CreateMailboxAsync("operator-box");
            await WaitForMessagesAsync(channel, queue, 1, received);
        }

        await using var second = await RelaySilo.StartAsync(dataDirectory, args);
        using (var tenantClient = new MailMeshClient(new Uri(second.Client.Channel.Address.ToString()), new GrpcChannelOptions { ApiKey = s_tenantKey! }))
        {
            await tenantClient.Mailboxes.CreateAsync(new CreateMailboxRequest { Name = "outbox", DisplayName = "Outbox" });
        }

        await WaitForMessagesAsync(channel, queue, 1, received);

        Assert.Equal([tenant + ".mailbox.created", tenant + ".mailbox.created"], received.Select(r => r.RoutingKey));
        Assert.Equal(["inbox", "outbox"], received.Select(r => r.Name));
        Assert.All(received, r => Assert.True(r.Persistent));
        Assert.Equal(2, received.Select(r => r.MessageId).Distinct().Count());
        Assert.Null(await channel.BasicGetAsync(queue, autoAck: true));
    }

    private static string? s_tenantKey;

    private static async Task<MailMeshClient> CreateTenantAsync(RelaySilo silo, string tenant)
    {
        var created = await silo.Client.Admin.CreateTenantAsync(new CreateTenantRequest { TenantId = tenant, DisplayName = tenant });
        s_tenantKey = created.AdminKey.Secret;
        return new MailMeshClient(silo.Client.Channel.Address, new GrpcChannelOptions { ApiKey = created.AdminKey.Secret });
    }

    /// <summary>Waits until the relay took its first position, the end of the log at its first start: events appended
    /// before that are not relayed, by design.</summary>
    private static async Task WaitForFirstPositionAsync(RelaySilo silo)
    {
        var position = silo.App.Services.GetRequiredService<IGrainFactory>()
            .GetGrain<IRelayPositionGrain>(RelayPositionGrain.KeyFor(RabbitMqEventRelay.PositionName));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (await position.Get() is null)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("the RabbitMQ relay took no position within 60 s");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Reads messages (acknowledging them) until <paramref name="count"/> more arrived.</summary>
    private static async Task WaitForMessagesAsync(IChannel channel, string queue, int count, List<(string, string, string, bool)> received)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        var seen = 0;
        while (seen < count)
        {
            var message = await channel.BasicGetAsync(queue, autoAck: true);
            if (message is null)
            {
                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"waited 60 s for {count} message(s) on the bound queue, got {seen}");
                }

                await Task.Delay(50);
                continue;
            }

            seen++;
            using var body = JsonDocument.Parse(Encoding.UTF8.GetString(message.Body.Span));
            received.Add((message.RoutingKey, body.RootElement.GetProperty("data").GetProperty("name").GetString()!,
                message.BasicProperties.MessageId!, message.BasicProperties.Persistent));
        }
    }
}
