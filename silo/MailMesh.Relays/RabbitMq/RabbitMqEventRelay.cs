using System.Globalization;
using System.Text;
using MailMesh.Relays.Internal;
using MailMesh.Relays.Leadership;
using MailMesh.Relays.Positions;
using MailMesh.Relays.Webhooks;
using MailMesh.Runtime;
using MailMesh.Runtime.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;

namespace MailMesh.Relays.RabbitMq;

/// <summary>Publishes every event of the log to the durable topic exchange <c>mailmesh.events</c> with routing key
/// <c>&lt;tenant&gt;.&lt;event type&gt;</c> (so <c>acme.mailbox.#</c> binds one tenant's mailbox events), as persistent
/// JSON messages (the webhook body) with publisher confirms. The position advances only after the broker confirmed
/// the whole batch; a restart resumes after it, so a crash repeats at most one batch (consumers deduplicate by the
/// message id, which is the event id). The first start begins at the end of the log, not its beginning.</summary>
internal sealed class RabbitMqEventRelay(
    IGrainFactory grains, IEventLog log, IOptions<RelayOptions> options, RelayLeadership leadership, TimeProvider time,
    ILogger<RabbitMqEventRelay> logger) : BackgroundService
{
    /// <summary>The name of the relay's position.</summary>
    public const string PositionName = "rabbitmq";

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => leadership.RunAsync(PositionName, RunAsync, stoppingToken);

    /// <summary>Publishes while this silo holds the relay's lease (<c>relay:rabbitmq</c>).</summary>
    private async Task RunAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value.RabbitMq;
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunConnectedAsync(settings, () => failures = 0, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                failures++;
                var delay = TimeSpan.FromMilliseconds(Math.Min(60_000, settings.ReconnectDelay.TotalMilliseconds * Math.Pow(2, Math.Min(failures - 1, 16))));
                Log.RabbitMqFailed(logger, e.Message, delay, e);
                try
                {
                    await Task.Delay(delay, time, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }

        RelayDiagnostics.Forget(this);
    }

    private async Task RunConnectedAsync(RabbitMqRelayOptions settings, Action connected, CancellationToken stoppingToken)
    {
        var factory = new ConnectionFactory { Uri = new Uri(settings.Uri!), ClientProvidedName = "mailmesh-event-relay" };
        await using var connection = await factory.CreateConnectionAsync(stoppingToken).ConfigureAwait(false);
        await using var channel = await connection.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), stoppingToken).ConfigureAwait(false);
        await channel.ExchangeDeclareAsync(settings.Exchange, ExchangeType.Topic, durable: true, autoDelete: false, cancellationToken: stoppingToken).ConfigureAwait(false);

        var positionGrain = grains.GetGrain<IRelayPositionGrain>(RelayPositionGrain.KeyFor(PositionName));
        var position = await positionGrain.Get().ConfigureAwait(false) ?? await StartPositionAsync(positionGrain, stoppingToken).ConfigureAwait(false);
        Log.RabbitMqConnected(logger, settings.Exchange, $"{factory.HostName}:{factory.Port}", position);
        connected();
        while (true)
        {
            var last = await log.GetLastSequenceAsync(stoppingToken).ConfigureAwait(false);
            RelayDiagnostics.Report(this, PositionName, position, last);
            if (last <= position)
            {
                await log.WaitOrPollAsync(position, stoppingToken).ConfigureAwait(false);
                continue;
            }

            var batch = await log.ReadAsync(position + 1, settings.BatchSize, null, stoppingToken).ConfigureAwait(false);
            if (batch.Count == 0)
            {
                // Sequences have no gaps; an empty read after a higher 'last' means the write is not visible yet.
                await Task.Delay(TimeSpan.FromMilliseconds(50), time, stoppingToken).ConfigureAwait(false);
                continue;
            }

            using var confirm = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            confirm.CancelAfter(settings.ConfirmTimeout);
            var pending = new List<Task>(batch.Count);
            foreach (var record in batch)
            {
                pending.Add(channel.BasicPublishAsync(settings.Exchange, RoutingKey(record), mandatory: false, Properties(record),
                    WebhookSender.Body(record), confirm.Token).AsTask());
            }

            // Each publish completes when the broker confirms it (or throws when it nacks or the channel dies).
            await Task.WhenAll(pending).ConfigureAwait(false);
            position = batch[^1].Sequence;
            await positionGrain.Advance(position).ConfigureAwait(false);
            RelayDiagnostics.CountPublished(batch.Count);
            RelayDiagnostics.Report(this, PositionName, position, Math.Max(last, position));
        }
    }

    private async Task<long> StartPositionAsync(IRelayPositionGrain grain, CancellationToken cancellationToken)
    {
        var start = await log.GetLastSequenceAsync(cancellationToken).ConfigureAwait(false);
        await grain.Advance(start).ConfigureAwait(false);
        return start;
    }

    /// <summary><c>&lt;tenant&gt;.&lt;type&gt;</c>: both are already dot-separated lower-case words.</summary>
    public static string RoutingKey(EventRecord record) => record.Tenant + "." + record.Type;

    private static BasicProperties Properties(EventRecord record) => new()
    {
        Persistent = true,
        ContentType = "application/json",
        ContentEncoding = "utf-8",
        MessageId = record.EventId.ToString(),
        Type = record.Type,
        Timestamp = new AmqpTimestamp(record.Time.ToUnixTimeSeconds()),
        AppId = "mailmesh",
        Headers = new Dictionary<string, object?>
        {
            ["mailmesh-sequence"] = record.Sequence.ToString(CultureInfo.InvariantCulture),
            ["mailmesh-tenant"] = Encoding.UTF8.GetBytes(record.Tenant),
            ["mailmesh-subject"] = Encoding.UTF8.GetBytes(record.Subject),
        },
    };
}
