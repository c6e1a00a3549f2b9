using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using MailMesh.Runtime.Cluster;
using MailMesh.Runtime.Invocation;
using MailMesh.Runtime.RabbitMq.Internal;
using MailMesh.Runtime.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace MailMesh.Runtime.RabbitMq;

/// <summary>The RabbitMQ grain fabric: grain id → stable hash → one of S durable shard queues with
/// <c>x-single-active-consumer</c>; this silo consumes the shards rendezvous hashing gives it among the active members
/// and hands a shard over by draining its running turns, deactivating its grains and cancelling its consumer. Calls to
/// grains of shards this silo does not actively consume go through the shard queue with direct reply-to, coalesced:
/// the calls waiting for one shard travel as one message and the answers waiting for one caller as one message
/// (ADR cluster-05); deliveries are acknowledged after every turn in them ended (at-least-once).</summary>
public sealed partial class RabbitMqFabric : IGrainCallRouter, IShardOwnership, IHostedService, IAsyncDisposable
{
    /// <summary>The activity source of fabric spans (calls sent and deliveries handled).</summary>
    public static readonly ActivitySource ActivitySource = new("MailMesh.Runtime.RabbitMq");

    private const string DirectReplyTo = "amq.rabbitmq.reply-to";
    private readonly RabbitMqFabricOptions _options;
    private readonly IServiceProvider _services;
    private readonly ILogger _logger;
    private readonly ShardState[] _shards;
    private readonly Coalescer<OutgoingCall>[] _callOutboxes;
    private volatile int[] _carriers;
    private readonly ReplyBatch.AnswerHandler _completeAnswer;
    private readonly ConcurrentDictionary<string, IPendingReply> _pending = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _rebalanceLock = new(1, 1);
    private readonly string _correlationPrefix = Guid.NewGuid().ToString("N")[..12] + "-";
    private long _nextCorrelation;
    private long _callsSent;
    private long _callMessagesSent;
    private long _repliesSent;
    private long _replyMessagesSent;
    private long _callsForwarded;
    private IConnection? _connection;
    private IChannel? _callChannel;
    private IChannel? _consumeChannel;
    private IChannel? _publishChannel;
    private IChannel? _replyChannel;
    private MessageCodec? _codec;
    private IGrainMessageLog? _messageLog;
    private Silo? _silo;
    private IClusterMembership? _membership;
    private IDisposable? _subscription;
    private volatile bool _started;
    private volatile bool _leaving;

    /// <summary>Creates the fabric; <see cref="StartAsync"/> connects (after the silo and the membership service started).</summary>
    public RabbitMqFabric(IOptions<RabbitMqFabricOptions> options, IOptions<ClusterOptions> cluster, IServiceProvider services, ILogger<RabbitMqFabric>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(services);
        _options = options.Value;
        _services = services;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        ShardCount = cluster.Value.ShardCount;
        GrainShards.CheckShardCount(ShardCount);
        _shards = new ShardState[ShardCount];
        _callOutboxes = new Coalescer<OutgoingCall>[ShardCount];
        for (var i = 0; i < ShardCount; i++)
        {
            var shard = _shards[i] = new ShardState(i, QueueName(_options.QueuePrefix, i));
            _callOutboxes[i] = new Coalescer<OutgoingCall>(_options.MaxBatchCalls, _options.MaxBatchBytes,
                calls => PublishCallsAsync(shard, calls), (calls, error) => FailCalls(shard, calls, error));
        }

        _carriers = [.. Enumerable.Range(0, ShardCount)];
        _completeAnswer = CompleteAnswer;
    }

    /// <summary>How many calls and answers this silo sent and in how many messages (calls and answers travel in
    /// batches, <see cref="RabbitMqFabricOptions.MaxBatchCalls"/>).</summary>
    public FabricStatistics Statistics => new(
        Interlocked.Read(ref _callsSent), Interlocked.Read(ref _callMessagesSent),
        Interlocked.Read(ref _repliesSent), Interlocked.Read(ref _replyMessagesSent), Interlocked.Read(ref _callsForwarded));

    /// <summary>The number of shards (<c>Cluster:ShardCount</c>).</summary>
    public int ShardCount { get; }

    /// <summary>The dead-letter queue.</summary>
    public string DeadLetterQueue => _options.QueuePrefix + ".dead";

    /// <summary>The shards this silo consumes now.</summary>
    public IReadOnlyList<int> ConsumedShards => _shards.Where(s => s.ConsumerTag is not null).Select(s => s.Number).ToArray();

    /// <summary>The name of a shard's queue.</summary>
    public static string QueueName(string prefix, int shard) => $"{prefix}.shard.{shard.ToString("D4", CultureInfo.InvariantCulture)}";

    /// <inheritdoc />
    public bool IsLocal(GrainId grain) => _started && _shards[GrainShards.ShardOf(grain, ShardCount)].ActiveHere;

    /// <inheritdoc />
    public event Action? ShardsAcquired;

    /// <inheritdoc />
    public bool OwnsShardOf(GrainId grain)
    {
        var shard = _shards[GrainShards.ShardOf(grain, ShardCount)];
        return _started && shard.ConsumerTag is not null && !shard.Draining;
    }

    /// <summary>Connects, declares the shard queues and the dead-letter queue, starts the reply consumer and consumes the
    /// shards this silo owns under the current membership view; follows membership changes from then on.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _silo = _services.GetRequiredService<Silo>();
        _messageLog = _services.GetService<IGrainMessageLog>();
        _membership = _services.GetService<IClusterMembership>()
            ?? throw new InvalidOperationException("The RabbitMQ fabric needs cluster membership: call AddMailMeshClusterMembership (Cluster:Enabled=true).");
        var runtimeOptions = _services.GetService<IOptions<GrainRuntimeOptions>>()?.Value ?? new GrainRuntimeOptions();
        var silo = _silo;
        _codec = new MessageCodec(runtimeOptions.JsonOptions, () => (IGrainCallInvoker)silo.GrainFactory);
        var uri = new Uri(_options.ConnectionString!);
        var factory = new ConnectionFactory
        {
            Uri = uri,
            AutomaticRecoveryEnabled = true,
            TopologyRecoveryEnabled = true,
            NetworkRecoveryInterval = TimeSpan.FromSeconds(2),
            RequestedHeartbeat = _options.Heartbeat,
            ClientProvidedName = $"mailmesh-silo {_membership.SiloId}",
        };
        try
        {
            _connection = await factory.CreateConnectionAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (RabbitMQ.Client.Exceptions.BrokerUnreachableException e)
        {
            throw new InvalidOperationException(
                $"Cannot reach the RabbitMQ broker at {uri.Host}:{uri.Port} (vhost '{Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'))}'): {e.InnerException?.Message ?? e.Message}. " +
                "Check Cluster:RabbitMq:ConnectionString (MAILMESH__CLUSTER__RABBITMQ__CONNECTIONSTRING).", e);
        }

        _connection.ConnectionShutdownAsync += OnConnectionShutdownAsync;
        _connection.RecoverySucceededAsync += OnRecoveredAsync;
        _connection.ConsumerTagChangeAfterRecoveryAsync += OnConsumerTagChangedAsync;
        // Calls and replies go without publisher confirms: the reply (or the call timeout) is the confirmation, and
        // waiting for a confirm per call would serialize calls behind broker round trips. One-way messages, retries
        // and dead letters are persistent and confirmed.
        _callChannel = await _connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        _replyChannel = await _connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        _publishChannel = await _connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), cancellationToken).ConfigureAwait(false);
        _consumeChannel = await _connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        await _consumeChannel.BasicQosAsync(0, _options.PrefetchCount, global: false, cancellationToken).ConfigureAwait(false);
        await DeclareTopologyAsync(_consumeChannel, cancellationToken).ConfigureAwait(false);
        var replies = new AsyncEventingBasicConsumer(_callChannel);
        replies.ReceivedAsync += OnReplyAsync;
        await _callChannel.BasicConsumeAsync(DirectReplyTo, autoAck: true, consumer: replies, cancellationToken: cancellationToken).ConfigureAwait(false);
        FabricLog.Connected(_logger, $"{uri.Host}:{uri.Port}", ShardCount, _options.QueuePrefix);
        _started = true;
        _subscription = _membership.Subscribe(change => _ = RebalanceInBackgroundAsync());
        _membership.OnLeaving(HandOverAllAsync);
        await RebalanceAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Closes the connection (the broker returns unacknowledged deliveries to their queues). A graceful
    /// shutdown has already handed the shards over through the membership service's leaving step.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _started = false;
        _subscription?.Dispose();
        if (_connection is not null)
        {
            try
            {
                await _connection.CloseAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is RabbitMQ.Client.Exceptions.AlreadyClosedException or OperationCanceledException or IOException)
            {
                // Closing a connection that already broke: nothing left to release on the broker.
                FabricLog.ConnectionLost(_logger, e.Message, _pending.Count);
            }
        }

        FailPending(new SiloUnavailableException("The silo's cluster fabric stopped before the call was answered."));
    }

    /// <summary>Stops and releases the connection.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None).ConfigureAwait(false);
        if (_connection is not null)
        {
            await _connection.DisposeAsync().ConfigureAwait(false);
            _connection = null;
        }

        _rebalanceLock.Dispose();
    }

    private async Task DeclareTopologyAsync(IChannel channel, CancellationToken cancellationToken)
    {
        var arguments = new Dictionary<string, object?> { ["x-single-active-consumer"] = true };
        foreach (var shard in _shards)
        {
            await channel.QueueDeclareAsync(shard.Queue, durable: true, exclusive: false, autoDelete: false, arguments, cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        await channel.QueueDeclareAsync(DeadLetterQueue, durable: true, exclusive: false, autoDelete: false, arguments: null, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    private Task OnConnectionShutdownAsync(object sender, ShutdownEventArgs args)
    {
        foreach (var shard in _shards)
        {
            shard.ActiveHere = false;
        }

        var pending = _pending.Count;
        FailPending(new SiloUnavailableException($"The connection to the RabbitMQ broker was lost ({args.ReplyText}); the call may or may not have run."));
        if (_started)
        {
            FabricLog.ConnectionLost(_logger, args.ReplyText, pending);
        }

        return Task.CompletedTask;
    }

    /// <summary>The client library reconnected and re-registered the shard consumers: apply the membership view again
    /// (a rebalance that ran while the broker was unreachable could not start or cancel consumers).</summary>
    private Task OnRecoveredAsync(object sender, AsyncEventArgs args)
    {
        FabricLog.Reconnected(_logger, _shards.Count(s => s.ConsumerTag is not null));
        if (_started)
        {
            _ = RebalanceInBackgroundAsync();
        }

        return Task.CompletedTask;
    }

    /// <summary>A consumer re-registered after a reconnect under a new tag: later hand-overs must cancel that one.</summary>
    private Task OnConsumerTagChangedAsync(object sender, ConsumerTagChangedAfterRecoveryEventArgs args)
    {
        foreach (var shard in _shards)
        {
            if (shard.ConsumerTag == args.TagBefore)
            {
                shard.ConsumerTag = args.TagAfter;
            }
        }

        return Task.CompletedTask;
    }

    private void FailPending(Exception error)
    {
        foreach (var id in _pending.Keys)
        {
            if (_pending.TryRemove(id, out var pending))
            {
                pending.Fail(error);
            }
        }
    }
}
