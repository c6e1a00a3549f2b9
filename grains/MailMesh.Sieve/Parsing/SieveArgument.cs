namespace MailMesh.Sieve.Parsing;

/// <summary>An argument of a command or test: a tag, a number or a string list.</summary>
public abstract class SieveArgument
{
    /// <summary>Creates an argument at <paramref name="position"/>.</summary>
    protected SieveArgument(SourcePosition position)
    {
        Position = position;
    }

    /// <summary>Where the argument starts.</summary>
    public SourcePosition Position { get; }

    /// <summary>Describes the argument for error messages ("string", "string list", "number", "tag :x").</summary>
    public abstract string Describe();
}

/// <summary>A tagged argument such as <c>:contains</c> (name stored lower-case, without the colon).</summary>
public sealed class SieveTagArgument : SieveArgument
{
    /// <summary>Creates a tag argument.</summary>
    public SieveTagArgument(string name, SourcePosition position)
        : base(position)
    {
        Name = name;
    }

    /// <summary>The tag name without the colon, lower-case.</summary>
    public string Name { get; }

    /// <inheritdoc />
    public override string Describe() => $"tag :{Name}";
}

/// <summary>A number argument (quantifiers K, M, G already applied).</summary>
public sealed class SieveNumberArgument : SieveArgument
{
    /// <summary>Creates a number argument.</summary>
    public SieveNumberArgument(long value, SourcePosition position)
        : base(position)
    {
        Value = value;
    }

    /// <summary>The value.</summary>
    public long Value { get; }

    /// <inheritdoc />
    public override string Describe() => "number";
}

/// <summary>A string or a bracketed string list.</summary>
public sealed class SieveStringListArgument : SieveArgument
{
    /// <summary>Creates a string list argument.</summary>
    public SieveStringListArgument(IReadOnlyList<SieveStringLiteral> items, bool isList, SourcePosition position)
        : base(position)
    {
        Items = items;
        IsList = isList;
    }

    /// <summary>The strings, in order.</summary>
    public IReadOnlyList<SieveStringLiteral> Items { get; }

    /// <summary>True when written with brackets (a list), false for a single string.</summary>
    public bool IsList { get; }

    // The values once read at run time when no item holds variables (shared by every execution).
    internal IReadOnlyList<string>? ConstantValues { get; set; }

    /// <inheritdoc />
    public override string Describe() => IsList ? "string list" : "string";
}

/// <summary>One string literal: its value (after escapes, dot-stuffing and encoded-character) and position.</summary>
public sealed class SieveStringLiteral
{
    /// <summary>Creates a literal.</summary>
    public SieveStringLiteral(string value, SourcePosition position, bool isMultiLine)
    {
        Value = value;
        Position = position;
        IsMultiLine = isMultiLine;
    }

    /// <summary>The value; the validator replaces it when encoded-character sequences are decoded.</summary>
    public string Value { get; internal set; }

    /// <summary>Where the literal starts.</summary>
    public SourcePosition Position { get; }

    /// <summary>True for <c>text:</c> strings.</summary>
    public bool IsMultiLine { get; }

    /// <summary>True when the value holds variable references to expand at run time.</summary>
    public bool HasVariables { get; internal set; }
}
