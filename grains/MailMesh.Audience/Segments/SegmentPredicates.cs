namespace MailMesh.Audience.Segments;

/// <summary>The kind of value a field holds, as the language types it.</summary>
public enum SegmentValueKind
{
    /// <summary>Text.</summary>
    Text,

    /// <summary>A number.</summary>
    Number,

    /// <summary>A point in time (stored as Unix milliseconds).</summary>
    Date,

    /// <summary>True or false (stored as 1 or 0).</summary>
    Bool,

    /// <summary>A set of strings.</summary>
    List,
}

/// <summary>Where a field's values are in the read model.</summary>
public enum SegmentStorage
{
    /// <summary>A column of <c>contact_search</c> (or <c>contacts</c> for the address) that is never null.</summary>
    Column,

    /// <summary>A column of <c>contact_search</c> that is null when the contact has no value.</summary>
    NullableColumn,

    /// <summary>A row of <c>contact_overflow</c> (an attribute beyond the typed columns).</summary>
    Overflow,

    /// <summary>No contact has a value yet (the attribute has never been written).</summary>
    Absent,
}

/// <summary>A field a segment condition reads: an attribute of the tenant's schema, or a field of every contact
/// (address, domain, engagement, lists, suppressions).</summary>
/// <param name="Name">The name as the language writes it.</param>
/// <param name="Kind">Its value kind.</param>
/// <param name="Storage">Where its values are.</param>
/// <param name="Column">The SQL column (from a fixed set, never from input), for column storage.</param>
/// <param name="Packed">Whether text values are stored wrapped in U+0001 (typed columns, lists, suppressions).</param>
/// <param name="Builtin">For a contact field: which one; null for an attribute.</param>
public sealed record SegmentField(string Name, SegmentValueKind Kind, SegmentStorage Storage, string? Column, bool Packed, string? Builtin);

/// <summary>How a comparison compares.</summary>
public enum CompareOp
{
    /// <summary>Equal.</summary>
    Eq,

    /// <summary>Less than.</summary>
    Lt,

    /// <summary>Less than or equal.</summary>
    Le,

    /// <summary>Greater than.</summary>
    Gt,

    /// <summary>Greater than or equal.</summary>
    Ge,
}

/// <summary>A bound segment: a tree of two-valued predicates over typed values (text as string, numbers, dates in Unix
/// milliseconds and bools as 1/0 as double). A condition on a contact without the value is false; <c>not</c> makes it
/// true. Both the SQL compiler and the in-memory evaluator read this tree.</summary>
public abstract record SegmentPredicate;

/// <summary>All of the items.</summary>
public sealed record AndPredicate(IReadOnlyList<SegmentPredicate> Items) : SegmentPredicate;

/// <summary>Any of the items.</summary>
public sealed record OrPredicate(IReadOnlyList<SegmentPredicate> Items) : SegmentPredicate;

/// <summary>The negation.</summary>
public sealed record NotPredicate(SegmentPredicate Inner) : SegmentPredicate;

/// <summary>The field compared with a value (string or double).</summary>
public sealed record ComparePredicate(SegmentField Field, CompareOp Op, object Value) : SegmentPredicate;

/// <summary>The field equal to one of the values.</summary>
public sealed record InPredicate(SegmentField Field, IReadOnlyList<object> Values) : SegmentPredicate;

/// <summary>The list field holding the item.</summary>
public sealed record ContainsPredicate(SegmentField Field, string Item) : SegmentPredicate;

/// <summary>The field has a value (a list: at least one item).</summary>
public sealed record ExistsPredicate(SegmentField Field) : SegmentPredicate;

/// <summary>Always true or always false.</summary>
public sealed record ConstantPredicate(bool Value) : SegmentPredicate;
