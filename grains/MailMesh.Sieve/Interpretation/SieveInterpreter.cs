using System.Collections.Concurrent;
using MailMesh.Sieve.Messages;

namespace MailMesh.Sieve.Interpretation;

/// <summary>
/// Runs compiled scripts over messages. A run-time failure never escapes as an exception: the
/// result carries the error and a single implicit keep, so no message is lost. Thread-safe.
/// </summary>
public sealed class SieveInterpreter
{
    private readonly ConcurrentDictionary<(SieveLanguage, string, string?), SieveCompilation> _includeCache = new();

    /// <summary>Creates an interpreter with <paramref name="options"/> (services, clock, limits).</summary>
    public SieveInterpreter(SieveExecutionOptions? options = null)
    {
        Options = options ?? new SieveExecutionOptions();
    }

    /// <summary>The options every execution uses.</summary>
    public SieveExecutionOptions Options { get; }

    /// <summary>Runs <paramref name="script"/> over <paramref name="message"/> and returns the decided actions.</summary>
    /// <exception cref="OperationCanceledException">When <paramref name="cancellationToken"/> is cancelled.</exception>
    public SieveResult Execute(SieveScript script, ISieveMessage message, SieveEnvelope? envelope = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var runtime = CreateRuntime(script, message, envelope, cancellationToken);
        return Run(runtime, r => r.RunMain());
    }

    /// <summary>Creates a runtime for hosts that drive execution themselves (test harnesses); use with <see cref="Run"/>.</summary>
    public SieveRuntime CreateRuntime(SieveScript script, ISieveMessage message, SieveEnvelope? envelope = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(script);
        ArgumentNullException.ThrowIfNull(message);
        return new SieveRuntime(this, script, message, envelope ?? SieveEnvelope.Unknown, Options, cancellationToken);
    }

    /// <summary>Runs <paramref name="body"/> on <paramref name="runtime"/>, turning run-time failures into a result with implicit keep.</summary>
    public static SieveResult Run(SieveRuntime runtime, Action<SieveRuntime> body)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        ArgumentNullException.ThrowIfNull(body);
        try
        {
            body(runtime);
            return runtime.BuildResult();
        }
        catch (SieveRuntimeException e)
        {
            return Failed(runtime, e);
        }
        catch (InsufficientExecutionStackException e)
        {
            return Failed(runtime, runtime.Fail("the script nests too deeply to run: " + e.Message));
        }
    }

    private static SieveResult Failed(SieveRuntime runtime, SieveRuntimeException error)
    {
        runtime.Log($"script failed, falling back to implicit keep: {error.Message}");
        return new SieveResult([new KeepAction([], Implicit: true)], null, error, [], [], [.. runtime.LogEntries], runtime.Steps) { Warnings = [.. runtime.Warnings] };
    }

    // Included scripts are compiled once per interpreter; the cache is bounded so a host that
    // keeps one interpreter while scripts change does not grow without limit.
    internal SieveCompilation CompileCached(SieveLanguage language, SieveLimits limits, string source, string? name)
    {
        if (_includeCache.Count >= MaxCachedIncludes)
        {
            _includeCache.Clear();
        }

        return _includeCache.GetOrAdd((language, source, name), key => new SieveCompiler(key.Item1, limits).Compile(key.Item2, key.Item3));
    }

    private const int MaxCachedIncludes = 1024;
}
