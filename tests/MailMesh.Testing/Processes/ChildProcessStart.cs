namespace MailMesh.Testing;

/// <summary>How to start a <see cref="ChildProcess"/>: <c>dotnet exec <paramref name="Assembly"/></c> with these
/// arguments and environment variables.</summary>
/// <param name="Name">What the process is, for error messages ("the silo process silo-1").</param>
/// <param name="Assembly">The path of the assembly to run (usually the test assembly itself).</param>
public sealed record ChildProcessStart(string Name, string Assembly)
{
    public IReadOnlyList<string> Arguments { get; init; } = [];

    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>How many characters of output are kept; later lines are dropped.</summary>
    public int OutputLimit { get; init; } = 200_000;
}
