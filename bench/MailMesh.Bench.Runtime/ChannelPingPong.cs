using System.Threading.Channels;
using System.Threading.Tasks.Sources;

namespace MailMesh.Bench.Runtime;

/// <summary>The ceiling of the pattern: one bounded-nothing <see cref="Channel{T}"/> and one consumer loop per
/// "actor", each request answered through the caller's reusable value-task source (no allocation per call).</summary>
public sealed class ChannelPingPong : IAsyncDisposable
{
    private readonly Channel<Request>[] _actors;
    private readonly Task[] _loops;

    public ChannelPingPong(int actors)
    {
        _actors = new Channel<Request>[actors];
        _loops = new Task[actors];
        for (var i = 0; i < actors; i++)
        {
            var channel = Channel.CreateUnbounded<Request>(new UnboundedChannelOptions { SingleReader = true });
            _actors[i] = channel;
            _loops[i] = Task.Run(() => Serve(channel.Reader));
        }
    }

    private static async Task Serve(ChannelReader<Request> reader)
    {
        var calls = 0;
        while (await reader.WaitToReadAsync())
        {
            while (reader.TryRead(out var request))
            {
                calls++;
                request.Reply.Complete(request.Value + 1);
            }
        }
    }

    public ValueTask<int> Call(int actor, int value, Reply reply)
    {
        reply.Reset();
        _actors[actor].Writer.TryWrite(new Request(value, reply));
        return reply.Task;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var actor in _actors)
        {
            actor.Writer.Complete();
        }

        await Task.WhenAll(_loops);
    }

    public readonly record struct Request(int Value, Reply Reply);

    /// <summary>One caller's reusable answer slot.</summary>
    public sealed class Reply : IValueTaskSource<int>
    {
        private ManualResetValueTaskSourceCore<int> _core;

        public ValueTask<int> Task => new(this, _core.Version);

        public void Reset() => _core.Reset();

        public void Complete(int value) => _core.SetResult(value);

        public int GetResult(short token) => _core.GetResult(token);

        public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            _core.OnCompleted(continuation, state, token, flags);
    }
}
