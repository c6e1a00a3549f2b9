namespace MailMesh.Sieve;

/// <summary>Bounds on scripts and on one execution; exceeding one is a clear compile or run-time error, never a hang.</summary>
public sealed record SieveLimits
{
    /// <summary>Largest accepted script, in UTF-8 bytes.</summary>
    public int MaxScriptSize { get; init; } = 1 << 20;

    /// <summary>Deepest nesting of blocks, and separately of tests.</summary>
    public int MaxNesting { get; init; } = 32;

    /// <summary>Most actions one execution may produce.</summary>
    public int MaxActions { get; init; } = 32;

    /// <summary>Most redirects one execution may produce.</summary>
    public int MaxRedirects { get; init; } = 4;

    /// <summary>Longest one regular-expression match may run.</summary>
    public TimeSpan RegexTimeout { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Deepest chain of <c>include</c>s.</summary>
    public int MaxIncludeDepth { get; init; } = 10;

    /// <summary>Most distinct scripts one execution may include.</summary>
    public int MaxIncludedScripts { get; init; } = 255;

    /// <summary>Most commands and tests one execution may evaluate (a CPU guard).</summary>
    public long MaxSteps { get; init; } = 1_000_000;

    /// <summary>Longest value a variable may hold, in UTF-8 bytes (longer values are truncated at a character boundary).</summary>
    public int MaxVariableSize { get; init; } = 4000;

    /// <summary>Most variables one script scope may define.</summary>
    public int MaxVariables { get; init; } = 255;

    /// <summary>Highest match variable index kept (<c>${0}</c> to this).</summary>
    public int MaxMatchValues { get; init; } = 32;

    /// <summary>Longest time one execution may run, checked between steps.</summary>
    public TimeSpan MaxExecutionTime { get; init; } = TimeSpan.FromSeconds(10);
}
