using MailMesh.Sieve.Extensions;
using MailMesh.Sieve.Extensions.Core;
using MailMesh.Sieve.Validation;

namespace MailMesh.Sieve;

/// <summary>An extension: registers capabilities, commands, tests and tags in a <see cref="SieveLanguage"/>.</summary>
public interface ISieveExtension
{
    /// <summary>Adds what the extension provides to <paramref name="language"/>.</summary>
    void Register(SieveLanguage language);
}

/// <summary>The set of capabilities, commands and tests scripts may use. Build once and share; not mutated after setup.</summary>
public sealed class SieveLanguage
{
    private readonly Dictionary<string, SieveCommandDefinition> _commands = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SieveTestDefinition> _tests = new(StringComparer.Ordinal);
    private readonly HashSet<string> _capabilities = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Creates a language with the core commands and tests only (RFC 5228 without extensions).</summary>
    public static SieveLanguage CreateCore()
    {
        var language = new SieveLanguage();
        language.Add(new CoreExtension());
        return language;
    }

    /// <summary>Creates a language with the core and every extension this library implements, including <c>vnd.mailmesh</c>.</summary>
    public static SieveLanguage CreateDefault()
    {
        var language = CreateCore();
        foreach (var extension in BuiltInExtensions.All())
        {
            language.Add(extension);
        }

        return language;
    }

    /// <summary>Names that may appear in <c>require</c>.</summary>
    public IReadOnlyCollection<string> Capabilities => _capabilities;

    /// <summary>Registers an extension.</summary>
    public SieveLanguage Add(ISieveExtension extension)
    {
        extension.Register(this);
        return this;
    }

    /// <summary>Declares a capability name valid in <c>require</c>.</summary>
    public void AddCapability(string name) => _capabilities.Add(name);

    /// <summary>True when <paramref name="name"/> may be required.</summary>
    public bool HasCapability(string name) => _capabilities.Contains(name);

    /// <summary>Registers a command (replacing one with the same name).</summary>
    public void AddCommand(SieveCommandDefinition command) => _commands[command.Name] = command;

    /// <summary>Registers a test (replacing one with the same name).</summary>
    public void AddTest(SieveTestDefinition test) => _tests[test.Name] = test;

    /// <summary>The command named <paramref name="name"/>, or null.</summary>
    public SieveCommandDefinition? FindCommand(string name) => _commands.GetValueOrDefault(name);

    /// <summary>The test named <paramref name="name"/>, or null.</summary>
    public SieveTestDefinition? FindTest(string name) => _tests.GetValueOrDefault(name);

    /// <summary>The command named <paramref name="name"/>; throws when missing (used by extensions that add tags).</summary>
    public SieveCommandDefinition GetCommand(string name) =>
        FindCommand(name) ?? throw new InvalidOperationException($"The command '{name}' is not registered; register its extension first.");

    /// <summary>The test named <paramref name="name"/>; throws when missing.</summary>
    public SieveTestDefinition GetTest(string name) =>
        FindTest(name) ?? throw new InvalidOperationException($"The test '{name}' is not registered; register its extension first.");
}
