using MailMesh.Runtime;

namespace MailMesh.Api.Tests.Infrastructure;

/// <summary>A test grain that appends many (large) events in one write, to fill a subscriber's pipe quickly.</summary>
public interface IEventEmitterGrain : IGrainWithStringKey
{
    Task Emit(int count, int payloadSize);
}

public sealed class EventEmitterGrain([PersistentState("emitter")] IPersistentState<EmitterState> state) : Grain, IEventEmitterGrain
{
    public async Task Emit(int count, int payloadSize)
    {
        for (var i = 0; i < count; i++)
        {
            RaiseEvent("test.emitted", GrainKey, new { index = state.State.Emitted + i, data = new string('x', payloadSize) });
        }

        state.State.Emitted += count;
        await state.WriteStateAsync();
    }
}

public sealed class EmitterState
{
    public int Emitted { get; set; }
}
