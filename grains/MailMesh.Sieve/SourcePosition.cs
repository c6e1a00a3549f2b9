namespace MailMesh.Sieve;

/// <summary>A 1-based line and column in a Sieve script.</summary>
public readonly record struct SourcePosition(int Line, int Column)
{
    /// <inheritdoc />
    public override string ToString() => $"{Line}:{Column}";
}
