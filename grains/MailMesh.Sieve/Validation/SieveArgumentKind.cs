namespace MailMesh.Sieve.Validation;

/// <summary>The type of a positional argument or of a tag's value.</summary>
public enum SieveArgumentKind
{
    /// <summary>A single string (a bracketed list is refused).</summary>
    String,

    /// <summary>A string or a bracketed string list.</summary>
    StringList,

    /// <summary>A number.</summary>
    Number,
}

/// <summary>How many nested tests a command or test takes.</summary>
public enum SieveTestRule
{
    /// <summary>No nested test.</summary>
    None,

    /// <summary>Exactly one test, not a list (<c>if</c>, <c>not</c>).</summary>
    One,

    /// <summary>A parenthesized test list (<c>allof</c>, <c>anyof</c>).</summary>
    List,
}

/// <summary>A tagged argument a command or test accepts.</summary>
/// <param name="Name">Tag name without the colon, lower-case.</param>
/// <param name="ValueKind">The kind of the value that follows the tag, or null when it takes none.</param>
/// <param name="Extension">The capability that must be required to use the tag, or null for core.</param>
/// <param name="Group">Tags of one group exclude each other (e.g. "match-type").</param>
public sealed record SieveTagDefinition(string Name, SieveArgumentKind? ValueKind = null, string? Extension = null, string? Group = null);
