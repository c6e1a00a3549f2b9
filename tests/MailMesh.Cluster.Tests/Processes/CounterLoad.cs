using System.Collections.Concurrent;
using System.Diagnostics;
using MailMesh.Runtime;

namespace MailMesh.Cluster.Tests.Processes;

/// <summary>Callers that add 1 to their own counters in a loop until stopped, recording every outcome: the values
/// answered, the calls answered "already applied" (redelivered after a crash; applied once, result lost) and any
/// other error.</summary>
public sealed class CounterLoad
{
    private static readonly TimeSpan ErrorBackOff = TimeSpan.FromMilliseconds(100);
    private readonly IGrainFactory _grains;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<string, GrainOutcome> _outcomes = new(StringComparer.Ordinal);
    private readonly List<(long Threshold, TaskCompletionSource Reached)> _waiters = [];
    private readonly List<(string[] Keys, TimeSpan After, TaskCompletionSource Reached)> _keyWaiters = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private Task[] _callers = [];
    private long _successes;

    public CounterLoad(IGrainFactory grains, IReadOnlyList<string> keys)
    {
        _grains = grains;
        Keys = keys;
        foreach (var key in keys)
        {
            _outcomes[key] = new GrainOutcome();
        }
    }

    public IReadOnlyList<string> Keys { get; }

    public long Successes => Interlocked.Read(ref _successes);

    public IReadOnlyDictionary<string, GrainOutcome> Outcomes => _outcomes;

    /// <summary>Every error other than "already applied", with the grain and when (ms since the load started).</summary>
    public ConcurrentQueue<string> Errors { get; } = new();

    /// <summary>The type name of every such error.</summary>
    public ConcurrentQueue<string> ErrorTypes { get; } = new();

    public TimeSpan Elapsed => _clock.Elapsed;

    public void Start(int callers) =>
        _callers = Enumerable.Range(0, callers).Select(c => Task.Run(() => CallAsync(Keys.Where((_, i) => i % callers == c).ToArray()))).ToArray();

    /// <summary>Completes when <paramref name="more"/> further calls succeeded.</summary>
    public async Task WaitForSuccessesAsync(long more, TimeSpan patience, string what)
    {
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_waiters)
        {
            _waiters.Add((Successes + more, reached));
        }

        try
        {
            await reached.Task.WaitAsync(patience);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"Waited {patience.TotalSeconds} s for {more} more successful calls ({what}); {Successes} so far, errors: {string.Join("; ", Errors.Take(5))}");
        }
    }

    /// <summary>Completes when each of <paramref name="keys"/> has had a successful call that ended after
    /// <paramref name="after"/> (a count of successes alone can be reached by the other counters first).</summary>
    public async Task WaitForEachAsync(IReadOnlyCollection<string> keys, TimeSpan after, TimeSpan patience, string what)
    {
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_waiters)
        {
            _keyWaiters.Add((keys.ToArray(), after, reached));
        }

        Succeeded(counted: false);
        try
        {
            await reached.Task.WaitAsync(patience);
        }
        catch (TimeoutException)
        {
            var missing = keys.Where(k => _outcomes[k].FirstSuccessAfter(after) is null);
            throw new TimeoutException($"Waited {patience.TotalSeconds} s for a successful call to each of {string.Join(", ", missing)} ({what}); errors: {string.Join("; ", Errors.Take(5))}");
        }
    }

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_callers);
    }

    private async Task CallAsync(string[] keys)
    {
        var i = 0;
        while (!_stop.IsCancellationRequested && keys.Length > 0)
        {
            var key = keys[i++ % keys.Length];
            var outcome = _outcomes[key];
            try
            {
                var value = await _grains.GetGrain<IChaosCounterGrain>(key).Add(1);
                outcome.Record(value, _clock.Elapsed);
                Succeeded();
            }
            catch (MessageAlreadyAppliedException)
            {
                outcome.RecordAlreadyApplied();
            }
            catch (Exception e)
            {
                outcome.RecordError();
                ErrorTypes.Enqueue(e.GetType().Name);
                Errors.Enqueue($"{_clock.Elapsed.TotalMilliseconds:0} ms {key}: {e.GetType().Name}: {e.Message}");
                await BackOffAsync();
            }
        }
    }

    /// <summary>After an error a caller waits a moment, as a client would: while the broker is away, a send fails at
    /// once and callers that retried at once would only spin the two cores.</summary>
    private async Task BackOffAsync()
    {
        try
        {
            await Task.Delay(ErrorBackOff, _stop.Token);
        }
        catch (OperationCanceledException)
        {
            // The load stops: the caller's loop ends.
            return;
        }
    }

    private void Succeeded(bool counted = true)
    {
        var now = counted ? Interlocked.Increment(ref _successes) : Successes;
        lock (_waiters)
        {
            for (var w = _keyWaiters.Count - 1; w >= 0; w--)
            {
                var (keys, after, reached) = _keyWaiters[w];
                if (keys.All(k => _outcomes[k].FirstSuccessAfter(after) is not null))
                {
                    reached.TrySetResult();
                    _keyWaiters.RemoveAt(w);
                }
            }

            for (var w = _waiters.Count - 1; w >= 0; w--)
            {
                if (now >= _waiters[w].Threshold)
                {
                    _waiters[w].Reached.TrySetResult();
                    _waiters.RemoveAt(w);
                }
            }
        }
    }
}

/// <summary>What one counter's calls returned.</summary>
public sealed class GrainOutcome
{
    private readonly List<(long Value, TimeSpan Ended)> _values = [];

    public int AlreadyApplied { get; private set; }

    public int Failed { get; private set; }

    public IReadOnlyList<long> Values
    {
        get
        {
            lock (_values)
            {
                return _values.Select(v => v.Value).ToArray();
            }
        }
    }

    /// <summary>When the first call that succeeded after <paramref name="time"/> ended; null when none did.</summary>
    public TimeSpan? FirstSuccessAfter(TimeSpan time)
    {
        lock (_values)
        {
            return _values.Where(v => v.Ended > time).Select(v => (TimeSpan?)v.Ended).Min();
        }
    }

    public void Record(long value, TimeSpan ended)
    {
        lock (_values)
        {
            _values.Add((value, ended));
        }
    }

    public void RecordAlreadyApplied()
    {
        lock (_values)
        {
            AlreadyApplied++;
        }
    }

    public void RecordError()
    {
        lock (_values)
        {
            Failed++;
        }
    }
}
