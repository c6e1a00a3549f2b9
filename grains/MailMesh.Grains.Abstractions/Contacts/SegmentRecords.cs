using MailMesh.Runtime;

namespace MailMesh.Grains.Contacts;

/// <summary>How a saved segment decides its members.</summary>
public enum SegmentMode
{
    /// <summary>The expression is evaluated each time the segment is used.</summary>
    Dynamic = 0,

    /// <summary>The members are frozen when the segment is created or snapshotted again.</summary>
    Snapshot = 1,
}

/// <summary>A segment to save.</summary>
/// <param name="Name">Lower-case name, as list names are (a letter or digit, then letters, digits, '_' or '-').</param>
/// <param name="Expression">The segment expression (docs/segments.md).</param>
/// <param name="Mode">Dynamic or snapshot.</param>
/// <param name="Description">What it is for (optional, at most 500 characters).</param>
[Immutable]
public sealed record SegmentDefinition(string Name, string Expression, SegmentMode Mode = SegmentMode.Dynamic, string? Description = null);

/// <summary>A saved segment.</summary>
/// <param name="Name">Its name.</param>
/// <param name="Expression">The expression as saved.</param>
/// <param name="Mode">Dynamic or snapshot.</param>
/// <param name="Description">What it is for.</param>
/// <param name="CreatedAt">When it was saved first.</param>
/// <param name="UpdatedAt">When it was last saved.</param>
/// <param name="SnapshotAt">For a snapshot segment, when its members were frozen.</param>
/// <param name="SnapshotCount">For a snapshot segment, how many members were frozen.</param>
[Immutable]
public sealed record SegmentInfo(
    string Name, string Expression, SegmentMode Mode, string? Description, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt,
    DateTimeOffset? SnapshotAt, long? SnapshotCount);

/// <summary>How many contacts a segment holds and a few of them.</summary>
/// <param name="Count">Matching contacts.</param>
/// <param name="Sample">Up to the requested number of their addresses.</param>
/// <param name="EvaluatedAt">The time relative windows (<c>within 90d</c>) were measured from, or the snapshot time.</param>
[Immutable]
public sealed record SegmentPreview(long Count, IReadOnlyList<string> Sample, DateTimeOffset EvaluatedAt);

/// <summary>A page of a segment's members in address order.</summary>
/// <param name="Addresses">Normalized addresses.</param>
/// <param name="Next">The cursor for the next page, or null at the end.</param>
[Immutable]
public sealed record SegmentMemberPage(IReadOnlyList<string> Addresses, string? Next);

/// <summary>A segment expression that does not parse or does not fit the tenant's schema; says where and what was
/// expected.</summary>
/// <param name="detail">What is wrong.</param>
/// <param name="position">0-based character offset in the expression.</param>
/// <param name="expected">What would have fitted there, when one thing would.</param>
/// <param name="found">What was found there.</param>
public sealed class SegmentSyntaxException(string detail, int position, string? expected = null, string? found = null)
    : ArgumentException($"segment expression, position {position}: {detail}", "expression")
{
    /// <summary>What is wrong.</summary>
    public string Detail { get; } = detail;

    /// <summary>0-based character offset in the expression.</summary>
    public int Position { get; } = position;

    /// <summary>What would have fitted there, if known.</summary>
    public string? Expected { get; } = expected;

    /// <summary>What was found there.</summary>
    public string? Found { get; } = found;
}

/// <summary>The segment does not exist.</summary>
public sealed class SegmentNotFoundException(string name) : InvalidOperationException($"Segment '{name}' does not exist.")
{
    /// <summary>Its name.</summary>
    public string Name { get; } = name;
}

/// <summary>A tenant's saved segments, keyed <c>tenant/segments</c>: definitions in the grain's state, counts, samples
/// and members from the contacts read model; snapshot members are stored in the read model.</summary>
public interface ISegmentDirectoryGrain : IGrainWithStringKey
{
    /// <summary>Saves a segment (replacing one of the same name when <paramref name="replace"/>); a snapshot segment's
    /// members are frozen now.</summary>
    /// <exception cref="SegmentSyntaxException">The expression is invalid.</exception>
    /// <exception cref="ArgumentException">The name or description is invalid, or the segment exists and
    /// <paramref name="replace"/> is false.</exception>
    Task<SegmentInfo> Save(SegmentDefinition definition, bool replace);

    /// <summary>The segment, or null.</summary>
    [ReadOnly]
    Task<SegmentInfo?> Get(string name);

    /// <summary>All saved segments, by name.</summary>
    [ReadOnly]
    Task<IReadOnlyList<SegmentInfo>> List();

    /// <summary>Deletes a segment (and its frozen members); false when there was none.</summary>
    Task<bool> Delete(string name);

    /// <summary>Counts the contacts matching <paramref name="expression"/> now, with up to <paramref name="sampleSize"/>
    /// (0-100) of their addresses.</summary>
    /// <exception cref="SegmentSyntaxException">The expression is invalid.</exception>
    [ReadOnly]
    Task<SegmentPreview> Preview(string expression, int sampleSize);

    /// <summary>Counts a saved segment's members (evaluated now for a dynamic one, frozen for a snapshot).</summary>
    /// <exception cref="SegmentNotFoundException">It does not exist.</exception>
    [ReadOnly]
    Task<SegmentPreview> Count(string name, int sampleSize);

    /// <summary>Freezes a snapshot segment's members again, now.</summary>
    /// <exception cref="SegmentNotFoundException">It does not exist.</exception>
    /// <exception cref="InvalidOperationException">It is dynamic.</exception>
    Task<SegmentInfo> Snapshot(string name);

    /// <summary>Up to <paramref name="limit"/> (1-1000) members after <paramref name="after"/> in address order.</summary>
    /// <exception cref="SegmentNotFoundException">It does not exist.</exception>
    [ReadOnly]
    Task<SegmentMemberPage> Members(string name, string? after, int limit);
}
