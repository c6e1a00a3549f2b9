using System.Collections.Concurrent;

namespace MailMesh.Runtime.Tests.Infrastructure;

/// <summary>Lets test grains report what happened to them, and lets tests hold grains at barriers.</summary>
public sealed class Probe
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _signals = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _gates = new();

    public ConcurrentQueue<string> Log { get; } = new();

    public void Record(string entry)
    {
        Log.Enqueue(entry);
        Signal(entry).TrySetResult();
    }

    /// <summary>Completes when <see cref="Record"/> has been called with <paramref name="entry"/>.</summary>
    public Task WhenRecorded(string entry) => Signal(entry).Task;

    /// <summary>A barrier a grain waits on until the test opens it.</summary>
    public Task Gate(string name) => _gates.GetOrAdd(name, static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public void Open(string name) => _gates.GetOrAdd(name, static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    private TaskCompletionSource Signal(string entry) =>
        _signals.GetOrAdd(entry, static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
}
