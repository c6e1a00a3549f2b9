using MailMesh.Sieve.Interpretation.Compiled;
using MailMesh.Sieve.Parsing;

namespace MailMesh.Sieve;

/// <summary>A compiled (parsed and validated) script, ready to run any number of times, from any thread.</summary>
public sealed class SieveScript
{
    internal SieveScript(string? name, IReadOnlyList<SieveCommandNode> commands, IReadOnlyCollection<string> required, IReadOnlyList<SieveDiagnostic> warnings, SieveLanguage language)
    {
        Name = name;
        Commands = commands;
        RequiredExtensions = required;
        Warnings = warnings;
        Language = language;
    }

    /// <summary>The script's name, if given.</summary>
    public string? Name { get; }

    /// <summary>The validated commands.</summary>
    public IReadOnlyList<SieveCommandNode> Commands { get; }

    /// <summary>The capabilities the script requires.</summary>
    public IReadOnlyCollection<string> RequiredExtensions { get; }

    /// <summary>Warnings from compilation.</summary>
    public IReadOnlyList<SieveDiagnostic> Warnings { get; }

    /// <summary>The language it was compiled with (includes are compiled with the same one).</summary>
    public SieveLanguage Language { get; }

    private SieveProgram? _program;

    // Built on the first run and shared by every later one (a race builds it twice; either copy is the same).
    internal SieveProgram Program => Volatile.Read(ref _program) ?? Interlocked.CompareExchange(ref _program, SieveProgram.Compile(this), null) ?? _program!;
}

/// <summary>The outcome of <see cref="SieveCompiler.Compile"/>: the script, or every diagnostic.</summary>
public sealed class SieveCompilation
{
    internal SieveCompilation(SieveScript? script, IReadOnlyList<SieveDiagnostic> diagnostics)
    {
        Script = script;
        Diagnostics = diagnostics;
    }

    /// <summary>The script, or null when there were errors.</summary>
    public SieveScript? Script { get; }

    /// <summary>Errors and warnings in script order.</summary>
    public IReadOnlyList<SieveDiagnostic> Diagnostics { get; }

    /// <summary>True when the script compiled.</summary>
    public bool Success => Script is not null;

    /// <summary>The errors only.</summary>
    public IEnumerable<SieveDiagnostic> Errors => Diagnostics.Where(d => d.Severity == SieveDiagnosticSeverity.Error);
}
