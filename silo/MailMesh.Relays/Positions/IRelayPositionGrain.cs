using MailMesh.Runtime;

namespace MailMesh.Relays.Positions;

/// <summary>The durable position of a relay that reads the whole log (keyed <c>system/relay-&lt;name&gt;</c>): the
/// sequence of the last event it handed over. It only moves forward.</summary>
public interface IRelayPositionGrain : IGrainWithStringKey
{
    /// <summary>The position; null before the relay first ran.</summary>
    [ReadOnly]
    Task<long?> Get();

    /// <summary>Moves the position to <paramref name="sequence"/> (ignored when that would move it back).</summary>
    Task Advance(long sequence);
}

/// <summary>Stores a relay position.</summary>
public sealed class RelayPositionGrain([PersistentState("position")] IPersistentState<RelayPositionState> state) : Grain, IRelayPositionGrain
{
    /// <summary>The key of a relay's position.</summary>
    public static string KeyFor(string relay) => "system/relay-" + relay;

    /// <inheritdoc />
    public Task<long?> Get() => Task.FromResult(state.RecordExists ? state.State.Sequence : (long?)null);

    /// <inheritdoc />
    public async Task Advance(long sequence)
    {
        if (!state.RecordExists || sequence > state.State.Sequence)
        {
            state.State.Sequence = sequence;
            await state.WriteStateAsync();
        }
    }
}

/// <summary>What <see cref="RelayPositionGrain"/> persists.</summary>
public sealed class RelayPositionState
{
    /// <summary>The last handled sequence.</summary>
    public long Sequence { get; set; }
}
