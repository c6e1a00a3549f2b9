namespace MailMesh.Cluster.Tests.Processes;

/// <summary>The silo processes one test cluster started (<see cref="ProcessCluster"/>, <see cref="HostCluster"/>): waits
/// until they work from one shard map, describes them for failure messages, and kills them on dispose.</summary>
public sealed class SiloProcesses : IAsyncDisposable
{
    private readonly List<SiloProcess> _started = [];
    private readonly int _shards;

    public SiloProcesses(int shards)
    {
        _shards = shards;
    }

    /// <summary>Every silo started so far, in order, including those that exited since.</summary>
    public IReadOnlyList<SiloProcess> All
    {
        get
        {
            lock (_started)
            {
                return [.. _started];
            }
        }
    }

    public void Add(SiloProcess silo)
    {
        lock (_started)
        {
            _started.Add(silo);
        }
    }

    /// <summary>Waits until each of the running <paramref name="silos"/> reported the same membership version with
    /// exactly these silos active, after applying it (hand-overs done), and their owned shards cover every shard once:
    /// no rebalance is pending anywhere while the membership stays as it is. Returns each silo's map.</summary>
    public async Task<IReadOnlyDictionary<string, ShardMapReport>> WaitForStableShardMapAsync(IReadOnlyCollection<string> silos, TimeSpan patience)
    {
        var deadline = DateTime.UtcNow + patience;
        while (true)
        {
            var members = silos.Select(id => All.LastOrDefault(s => s.Id == id && !s.HasExited)
                ?? throw new InvalidOperationException($"No running silo {id} to wait for.\n{Diagnostics()}")).ToArray();
            var changed = Task.WhenAny(members.Select(s => s.ShardMapChanged));
            var maps = members.Select(s => s.ShardMap).ToArray();
            if (IsStable(maps, silos))
            {
                return members.ToDictionary(s => s.Id, s => s.ShardMap!);
            }

            try
            {
                await changed.WaitAsync(TimeSpan.FromTicks(Math.Max(0, (deadline - DateTime.UtcNow).Ticks)));
            }
            catch (TimeoutException)
            {
                throw new TimeoutException($"Waited {patience.TotalSeconds} s for {string.Join(", ", silos)} to report one shard map with them active " +
                    $"and every shard owned once; they report:\n{string.Join("\n", members.Select(s => $"  {s.Id}: {s.ShardMap?.ToString() ?? "nothing yet"}"))}\n{Diagnostics()}");
            }
        }
    }

    /// <summary>The silos' output, for failure messages.</summary>
    public string Diagnostics() => string.Join("\n", All.Select(s => $"--- {s.Id} (pid {s.ProcessId}{(s.HasExited ? ", exited" : "")}):\n{Tail(s.Output)}"));

    public async ValueTask DisposeAsync()
    {
        foreach (var silo in All)
        {
            await silo.DisposeAsync();
        }
    }

    private bool IsStable(ShardMapReport?[] maps, IReadOnlyCollection<string> silos)
    {
        if (maps.Any(m => m is null) || maps.Select(m => m!.Version).Distinct().Count() != 1)
        {
            return false;
        }

        var owned = maps.SelectMany(m => m!.Owned).ToArray();
        return maps.All(m => m!.Active.ToHashSet(StringComparer.Ordinal).SetEquals(silos))
            && owned.Length == _shards && owned.Distinct().Count() == _shards;
    }

    private static string Tail(string text) => text.Length <= 4000 ? text : "…" + text[^4000..];
}
