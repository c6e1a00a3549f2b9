using MailMesh.Runtime.Cluster;
using MailMesh.Runtime.RabbitMq.Internal;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace MailMesh.Runtime.RabbitMq;

/// <summary>Which shards this silo consumes, and hand-overs.</summary>
public sealed partial class RabbitMqFabric
{
    /// <summary>Consumes the shards this silo owns under the current membership view (rendezvous hashing over the
    /// active members) and hands over the ones it no longer owns. Runs after every membership change; call it to
    /// apply the current view at once.</summary>
    public async Task RebalanceAsync(CancellationToken cancellationToken = default)
    {
        var membership = _membership ?? throw new InvalidOperationException("The fabric has not started.");
        await _rebalanceLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var view = membership.View;
            _carriers = CarrierShards(GrainShards.Assign(view.ActiveSiloIds, ShardCount));
            var serving = _started && !_leaving && view.Find(membership.SiloId)?.Status == MemberStatus.Active;
            var owners = serving ? GrainShards.Assign(view.ActiveSiloIds, ShardCount) : new string?[ShardCount];
            var taken = 0;
            var handOvers = new List<Task>();
            foreach (var shard in _shards)
            {
                var owned = owners[shard.Number] == membership.SiloId;
                if (owned && shard.ConsumerTag is null)
                {
                    await ConsumeAsync(shard, cancellationToken).ConfigureAwait(false);
                    taken++;
                }
                else if (!owned && shard.ConsumerTag is not null)
                {
                    handOvers.Add(HandOverAsync(shard, cancellationToken));
                }
            }

            // Once per rebalance, not per shard: the listeners scan their work for every shard they now own.
            if (taken > 0)
            {
                ShardsAcquired?.Invoke();
            }

            await Task.WhenAll(handOvers).ConfigureAwait(false);
            FabricLog.Rebalanced(_logger, _shards.Count(s => s.ConsumerTag is not null), ShardCount, taken, handOvers.Count);
        }
        finally
        {
            _rebalanceLock.Release();
        }
    }

    /// <summary>For each shard, the lowest-numbered shard with the same owner: calls to all grains of one silo share
    /// that shard's queue and outbox, so they coalesce per destination silo rather than per shard (with S shards over
    /// a few silos, the calls in flight per shard are too few to batch). A shard without an owner carries itself.</summary>
    private static int[] CarrierShards(string?[] owners)
    {
        var carriers = new int[owners.Length];
        var first = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var shard = 0; shard < owners.Length; shard++)
        {
            carriers[shard] = owners[shard] is { } owner
                ? first.TryGetValue(owner, out var carrier) ? carrier : first[owner] = shard
                : shard;
        }

        return carriers;
    }

    private async Task RebalanceInBackgroundAsync()
    {
        try
        {
            await RebalanceAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is not ObjectDisposedException)
        {
            FabricLog.RebalanceFailed(_logger, e);
        }
    }

    private async Task HandOverAllAsync(CancellationToken cancellationToken)
    {
        _leaving = true;
        if (_started)
        {
            await RebalanceAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task ConsumeAsync(ShardState shard, CancellationToken cancellationToken)
    {
        var consumer = new AsyncEventingBasicConsumer(_consumeChannel!);
        consumer.ReceivedAsync += (_, delivery) => OnDeliveryAsync(shard, delivery);
        shard.ConsumerTag = await _consumeChannel!.BasicConsumeAsync(shard.Queue, autoAck: false, consumer, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Lets the running turns of the shard finish (new deliveries are held back), deactivates the shard's
    /// grains here (their states are written), cancels the consumer — the broker then makes the next consumer active —
    /// and returns the held deliveries to the queue.</summary>
    private async Task HandOverAsync(ShardState shard, CancellationToken cancellationToken)
    {
        var idle = shard.BeginDrain();
        try
        {
            await idle.WaitAsync(_options.HandOverTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            FabricLog.HandOverTimedOut(_logger, shard.Number, _options.HandOverTimeout);
        }

        await _silo!.DeactivateAsync(g => GrainShards.ShardOf(g, ShardCount) == shard.Number,
            $"shard {shard.Number} moved to another silo", cancellationToken).ConfigureAwait(false);
        var channel = _consumeChannel!;
        if (shard.ConsumerTag is { } tag && channel.IsOpen)
        {
            await channel.BasicCancelAsync(tag, cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        shard.ConsumerTag = null;
        foreach (var held in shard.EndDrain())
        {
            if (channel.IsOpen)
            {
                await channel.BasicNackAsync(held, multiple: false, requeue: true, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
