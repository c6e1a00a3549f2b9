using MailMesh.Runtime.Hosting;
using MailMesh.Runtime.Invocation;
using MailMesh.Runtime.Storage;
using MailMesh.Runtime.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace MailMesh.Runtime.Tests;

public sealed class NoteState
{
    public string Text { get; set; } = "";
}

public interface INoteGrain : IGrainWithStringKey
{
    Task Save(string text);

    Task SaveThrough(INoteGrain other, string text);
}

public sealed class NoteGrain([PersistentState("note")] IPersistentState<NoteState> note) : Grain, INoteGrain
{
    public async Task Save(string text)
    {
        await Task.Yield();
        note.State.Text = text;
        await note.WriteStateAsync();
    }

    public async Task SaveThrough(INoteGrain other, string text)
    {
        await other.Save(text);
        await Save(text);
    }
}

/// <summary>The message id a cluster fabric passes with a delivered call reaches the storage provider during that
/// call's turn only (the de-duplication hook), not other turns nor the calls that turn makes.</summary>
public sealed class DeliveredMessageTests : IAsyncLifetime
{
    private readonly RecordingStorage _storage = new();
    private Silo? _silo;

    private Silo Silo => _silo!;

    public async Task InitializeAsync() => _silo = await new SiloBuilder()
        .ConfigureServices(services =>
        {
            services.AddSingleton(new Probe());
            services.AddSingleton<IGrainStorage>(_storage);
            services.AddSingleton<IReminderTable>(new InMemoryReminderTable());
        })
        .AddGrainsFromAssembly(typeof(TestSilo).Assembly)
        .StartAsync();

    public async Task DisposeAsync() => await Silo.StopAsync();

    [Fact]
    public async Task InvokeLocalAsync_WithMessageId_TheTurnsStateWriteSeesTheId()
    {
        var request = NewRequest(nameof(INoteGrain.Save), "hello");

        await Silo.InvokeLocalAsync(GrainId.Create(typeof(INoteGrain).FullName!, "t/a"), request, "msg-1");

        Assert.Equal([("t/a", "msg-1")], _storage.Writes);
        Assert.Null(DeliveredMessage.CurrentId);
    }

    [Fact]
    public async Task InvokeLocalAsync_TurnCallsAnotherGrain_OnlyTheDeliveredGrainsWriteSeesTheId()
    {
        var request = NewRequest(nameof(INoteGrain.SaveThrough), Silo.GrainFactory.GetGrain<INoteGrain>("t/b"), "hi");

        await Silo.InvokeLocalAsync(GrainId.Create(typeof(INoteGrain).FullName!, "t/a"), request, "msg-2");

        Assert.Equal([("t/b", null), ("t/a", "msg-2")], _storage.Writes);
    }

    [Fact]
    public async Task Call_OrdinaryCallAfterADeliveredOne_WritesSeeNoId()
    {
        await Silo.InvokeLocalAsync(GrainId.Create(typeof(INoteGrain).FullName!, "t/a"), NewRequest(nameof(INoteGrain.Save), "one"), "msg-3");

        await Silo.GrainFactory.GetGrain<INoteGrain>("t/a").Save("two");

        Assert.Equal([("t/a", "msg-3"), ("t/a", null)], _storage.Writes);
    }

    private static GrainRequest<GrainVoid> NewRequest(string method, params object?[] arguments)
    {
        var info = GrainInterfaceRegistry.Find(typeof(INoteGrain))!.Methods.Single(m => m.Name == method);
        var request = (GrainRequest<GrainVoid>)info.CreateRequest();
        for (var i = 0; i < arguments.Length; i++)
        {
            request.SetArgument(i, arguments[i]);
        }

        return request;
    }

    /// <summary>In-memory storage that records, for every state write, the grain key and the delivered message id
    /// the write saw.</summary>
    private sealed class RecordingStorage : IGrainStorage
    {
        private readonly List<(string Key, string? MessageId)> _writes = [];

        public InMemoryGrainStorage Inner { get; } = new();

        public IReadOnlyList<(string Key, string? MessageId)> Writes
        {
            get
            {
                lock (_writes)
                {
                    return _writes.ToArray();
                }
            }
        }

        public Task<StoredState?> ReadAsync(string stateName, GrainId grain, CancellationToken cancellationToken = default) =>
            Inner.ReadAsync(stateName, grain, cancellationToken);

        public Task<WriteResult> WriteAsync(string stateName, GrainId grain, ReadOnlyMemory<byte> payload, string? expectedETag,
            IReadOnlyList<EventDraft> events, CancellationToken cancellationToken = default)
        {
            lock (_writes)
            {
                _writes.Add((grain.Key, DeliveredMessage.CurrentId));
            }

            return Inner.WriteAsync(stateName, grain, payload, expectedETag, events, cancellationToken);
        }

        public Task<WriteResult> ClearAsync(string stateName, GrainId grain, string? expectedETag, IReadOnlyList<EventDraft> events,
            CancellationToken cancellationToken = default) =>
            Inner.ClearAsync(stateName, grain, expectedETag, events, cancellationToken);
    }
}
