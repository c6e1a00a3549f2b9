using MailMesh.Sieve.Validation;

namespace MailMesh.Sieve.Parsing;

/// <summary>A command or a test: a name, arguments and nested tests.</summary>
public abstract class SieveNode
{
    /// <summary>Creates a node.</summary>
    protected SieveNode(string name, SourcePosition position, IReadOnlyList<SieveArgument> arguments, IReadOnlyList<SieveTestNode> tests, bool hasTestList)
    {
        Name = name;
        Position = position;
        Arguments = arguments;
        Tests = tests;
        HasTestList = hasTestList;
    }

    /// <summary>The command or test name, lower-case.</summary>
    public string Name { get; }

    /// <summary>Where the name starts.</summary>
    public SourcePosition Position { get; }

    /// <summary>The arguments as written.</summary>
    public IReadOnlyList<SieveArgument> Arguments { get; }

    /// <summary>The nested tests (a single test or the members of a test list).</summary>
    public IReadOnlyList<SieveTestNode> Tests { get; }

    /// <summary>True when the tests were written as a parenthesized test list.</summary>
    public bool HasTestList { get; }

    /// <summary>The arguments sorted into tags and positionals by the validator.</summary>
    public SieveArguments Args { get; internal set; } = SieveArguments.Empty;

    /// <summary>Data a definition precomputed while validating (a matcher, a compiled regex, ...).</summary>
    public object? Annotation { get; set; }
}

/// <summary>A test (evaluates to true or false).</summary>
public sealed class SieveTestNode : SieveNode
{
    /// <summary>Creates a test node.</summary>
    public SieveTestNode(string name, SourcePosition position, IReadOnlyList<SieveArgument> arguments, IReadOnlyList<SieveTestNode> tests, bool hasTestList)
        : base(name, position, arguments, tests, hasTestList)
    {
    }

    /// <summary>The definition bound by the validator.</summary>
    public SieveTestDefinition? Definition { get; internal set; }
}

/// <summary>A command, with its block when it has one.</summary>
public sealed class SieveCommandNode : SieveNode
{
    /// <summary>Creates a command node.</summary>
    public SieveCommandNode(string name, SourcePosition position, IReadOnlyList<SieveArgument> arguments, IReadOnlyList<SieveTestNode> tests, bool hasTestList, IReadOnlyList<SieveCommandNode>? block)
        : base(name, position, arguments, tests, hasTestList)
    {
        Block = block;
    }

    /// <summary>The commands in the block, or null when the command ended with ';'.</summary>
    public IReadOnlyList<SieveCommandNode>? Block { get; }

    /// <summary>The definition bound by the validator.</summary>
    public SieveCommandDefinition? Definition { get; internal set; }
}
