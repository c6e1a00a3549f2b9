using MailMesh.Sieve.Interpretation;
using MailMesh.Sieve.Parsing;

namespace MailMesh.Sieve.Validation;

/// <summary>What a command or test accepts: tags, positional arguments and the extension it needs.</summary>
public abstract class SieveDefinition
{
    private readonly List<SieveTagDefinition> _tags = [];

    /// <summary>Creates a definition.</summary>
    /// <param name="name">The identifier, lower-case.</param>
    /// <param name="extension">The capability that must be required, or null for core.</param>
    /// <param name="positional">The positional argument kinds, in order.</param>
    protected SieveDefinition(string name, string? extension, params SieveArgumentKind[] positional)
    {
        Name = name;
        Extension = extension;
        Positional = positional;
        MinPositional = positional.Length;
    }

    /// <summary>The identifier.</summary>
    public string Name { get; }

    /// <summary>The capability that must appear in <c>require</c>, or null for core.</summary>
    public string? Extension { get; }

    /// <summary>The positional argument kinds; the last ones may be optional (see <see cref="MinPositional"/>).</summary>
    public IReadOnlyList<SieveArgumentKind> Positional { get; }

    /// <summary>How many positional arguments are required; optional ones are leading (e.g. hasflag's variable list).</summary>
    public int MinPositional { get; protected init; }

    /// <summary>What each positional argument means ("header names", "key list"), for error messages.</summary>
    public IReadOnlyList<string> PositionalNames { get; protected init; } = [];

    /// <summary>True when optional positionals are the trailing ones (deleteheader's value patterns), not the leading ones.</summary>
    public bool OptionalPositionalsTrailing { get; protected init; }

    /// <summary>The accepted tags.</summary>
    public IReadOnlyList<SieveTagDefinition> Tags => _tags;

    /// <summary>How many nested tests it takes.</summary>
    public SieveTestRule TestRule { get; protected init; }

    /// <summary>Adds an accepted tag (extensions add tags to existing commands, e.g. <c>:copy</c>).</summary>
    public void AddTag(SieveTagDefinition tag)
    {
        if (_tags.Exists(t => t.Name == tag.Name))
        {
            throw new InvalidOperationException($"{Name} already accepts the tag :{tag.Name}.");
        }

        _tags.Add(tag);
    }

    /// <summary>Adds several tags.</summary>
    public void AddTags(IEnumerable<SieveTagDefinition> tags)
    {
        foreach (var tag in tags)
        {
            AddTag(tag);
        }
    }

    /// <summary>Checks what the generic signature check cannot (value ranges, names); reports through <paramref name="context"/>.</summary>
    public virtual void Validate(SieveValidationContext context, SieveNode node)
    {
    }
}

/// <summary>A command: validated, then executed by the interpreter.</summary>
public abstract class SieveCommandDefinition : SieveDefinition
{
    /// <summary>Creates a command definition.</summary>
    protected SieveCommandDefinition(string name, string? extension, params SieveArgumentKind[] positional)
        : base(name, extension, positional)
    {
    }

    /// <summary>True when the command is followed by a block instead of ';'.</summary>
    public bool RequiresBlock { get; protected init; }

    /// <summary>Runs the command.</summary>
    public abstract void Execute(SieveRuntime runtime, SieveCommandNode command);
}

/// <summary>A test: validated, then evaluated by the interpreter.</summary>
public abstract class SieveTestDefinition : SieveDefinition
{
    /// <summary>Creates a test definition.</summary>
    protected SieveTestDefinition(string name, string? extension, params SieveArgumentKind[] positional)
        : base(name, extension, positional)
    {
    }

    /// <summary>Evaluates the test.</summary>
    public abstract bool Evaluate(SieveRuntime runtime, SieveTestNode test);
}
