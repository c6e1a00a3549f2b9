using System.Globalization;
using MailMesh.Runtime.Cluster;
using MailMesh.Runtime.RabbitMq;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace MailMesh.Cluster.Tests.Processes;

/// <summary>Part of the silo program: after every membership change (and once at start) it applies the view to the
/// fabric (<see cref="RabbitMqFabric.RebalanceAsync"/>: hand-overs finished, consumers started) and then prints
/// <c>SHARDS version=V active=a,b,c owned=0,3,7</c>, so a test knows when every silo works from the same shard map.</summary>
public sealed class ShardMapReporter : IDisposable
{
    public const string Prefix = "SHARDS ";
    private readonly IClusterMembership _membership;
    private readonly RabbitMqFabric _fabric;
    private readonly SemaphoreSlim _serial = new(1, 1);
    private readonly IDisposable _subscription;
    private volatile bool _disposed;

    public ShardMapReporter(IClusterMembership membership, RabbitMqFabric fabric)
    {
        _membership = membership;
        _fabric = fabric;
        _subscription = membership.Subscribe(change => _ = ReportAsync());
    }

    /// <summary>Applies the current view and prints it (in order with the reports of later changes).</summary>
    public async Task ReportAsync()
    {
        await _serial.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_disposed)
            {
                return;
            }

            var view = _membership.View;
            await _fabric.RebalanceAsync().ConfigureAwait(false);
            Console.WriteLine(Format(view.Version, view.ActiveSiloIds, _fabric.ConsumedShards));
        }
        catch (Exception e) when (e is ObjectDisposedException or InvalidOperationException or OperationCanceledException)
        {
            // Shutting down: the fabric is gone and the shard map no longer matters; say so for the test's diagnostics.
            Console.WriteLine($"SHARDS-UNREPORTED {e.GetType().Name}: {e.Message}");
        }
        finally
        {
            _serial.Release();
        }
    }

    /// <summary>The end of a silo program: starts <paramref name="host"/>, reports its shard map, prints <c>READY</c>
    /// and runs until the host shuts down (SIGTERM), reporting every membership change.</summary>
    public static async Task RunUntilShutdownAsync(IHost host)
    {
        await host.StartAsync();
        using var shardMap = new ShardMapReporter(host.Services.GetRequiredService<IClusterMembership>(), host.Services.GetRequiredService<RabbitMqFabric>());
        await shardMap.ReportAsync();
        Console.WriteLine("READY");
        await host.WaitForShutdownAsync();
    }

    public static string Format(long version, IEnumerable<string> active, IEnumerable<int> owned) =>
        $"{Prefix}version={version.ToString(CultureInfo.InvariantCulture)} active={string.Join(',', active.Order(StringComparer.Ordinal))} " +
        $"owned={string.Join(',', owned.Order().Select(s => s.ToString(CultureInfo.InvariantCulture)))}";

    /// <summary>Reads a line printed by <see cref="Format"/>; null for any other line.</summary>
    public static ShardMapReport? Parse(string line)
    {
        if (!line.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var fields = line[Prefix.Length..].Split(' ').Select(f => f.Split('=', 2)).Where(f => f.Length == 2).ToDictionary(f => f[0], f => f[1], StringComparer.Ordinal);
        if (!fields.TryGetValue("version", out var version) || !fields.TryGetValue("active", out var active) || !fields.TryGetValue("owned", out var owned))
        {
            throw new FormatException($"A shard map line without version, active and owned: '{line}'.");
        }

        return new ShardMapReport(
            long.Parse(version, CultureInfo.InvariantCulture),
            active.Length == 0 ? [] : active.Split(','),
            owned.Length == 0 ? [] : owned.Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray());
    }

    public void Dispose()
    {
        _disposed = true;
        _subscription.Dispose();
    }
}

/// <summary>One silo's shard map as it reported it: the membership version, the active members, the shards it consumes.</summary>
public sealed record ShardMapReport(long Version, IReadOnlyList<string> Active, IReadOnlyList<int> Owned)
{
    public override string ToString() => $"v{Version} active [{string.Join(",", Active)}] owned [{string.Join(",", Owned)}]";
}
