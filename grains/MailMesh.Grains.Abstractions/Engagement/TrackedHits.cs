using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using MailMesh.Runtime;

namespace MailMesh.Grains.Engagement;

/// <summary>A batch of hits for <see cref="IContactEngagementGrain.Record"/>: an immutable array, so the call passes it
/// without the JSON copy a mutable list gets at the grain boundary (a copy of every hit of every batch). Write it as a
/// collection expression: <c>Record([hit1, hit2])</c>. It is deliberately not an <see cref="System.Collections.IEnumerable"/>:
/// JSON (a cluster call) writes it as an object with its <see cref="Items"/> and can build it back.</summary>
[Immutable]
[CollectionBuilder(typeof(TrackedHits), nameof(Create))]
public sealed class TrackedHits
{
    /// <summary>The hits, in order.</summary>
    public TrackedHits(ImmutableArray<TrackedHit> items)
    {
        Items = items.IsDefault ? [] : items;
    }

    /// <summary>The hits, in order.</summary>
    public ImmutableArray<TrackedHit> Items { get; }

    /// <summary>How many.</summary>
    public int Count => Items.Length;

    /// <summary>The tracking writer's hand-over the hits belong to (0 when none): a grain that counted a hand-over skips it
    /// when it is handed over again, however many hits it held.</summary>
    public long HandOver { get; init; }

    /// <summary>Copies <paramref name="items"/> (the collection expression builder).</summary>
    public static TrackedHits Create(ReadOnlySpan<TrackedHit> items) => new([.. items]);

    /// <summary>Enumerates the hits.</summary>
    public ImmutableArray<TrackedHit>.Enumerator GetEnumerator() => Items.GetEnumerator();
}
