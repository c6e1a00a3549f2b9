using MailMesh.Sieve.Parsing;

namespace MailMesh.Sieve.Validation;

/// <summary>A node's arguments sorted by the validator: tags (with their values) and positionals.</summary>
public sealed class SieveArguments
{
    private readonly Dictionary<string, SieveArgument?> _tags;
    private readonly Dictionary<string, string> _groups;

    /// <summary>No arguments.</summary>
    public static readonly SieveArguments Empty = new(new Dictionary<string, SieveArgument?>(), new Dictionary<string, string>(), []);

    internal SieveArguments(Dictionary<string, SieveArgument?> tags, Dictionary<string, string> groups, IReadOnlyList<SieveArgument> positional)
    {
        _tags = tags;
        _groups = groups;
        Positional = positional;
    }

    /// <summary>The positional arguments in order.</summary>
    public IReadOnlyList<SieveArgument> Positional { get; }

    /// <summary>The tags given, lower-case, without colon.</summary>
    public IEnumerable<string> TagNames => _tags.Keys;

    /// <summary>True when the tag was given.</summary>
    public bool Has(string tag) => _tags.ContainsKey(tag);

    /// <summary>The value following the tag, or null when absent or valueless.</summary>
    public SieveArgument? Value(string tag) => _tags.GetValueOrDefault(tag);

    /// <summary>The tag chosen from a group (e.g. "match-type" gives "contains"), or null.</summary>
    public string? Group(string group) => _groups.GetValueOrDefault(group);
}
