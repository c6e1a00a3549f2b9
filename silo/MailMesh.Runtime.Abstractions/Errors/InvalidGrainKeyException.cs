namespace MailMesh.Runtime;

/// <summary>A grain key is not of the form <c>tenant/name</c>.</summary>
public sealed class InvalidGrainKeyException : ArgumentException
{
    /// <summary>Creates the exception.</summary>
    public InvalidGrainKeyException(string grainType, string? key, string problem)
        : base($"Invalid key '{key}' for grain {grainType}: {problem}.")
    {
        GrainType = grainType;
        Key = key;
        Problem = problem;
    }

    /// <summary>The grain interface that was asked for.</summary>
    public string GrainType { get; }

    /// <summary>The key as given.</summary>
    public string? Key { get; }

    /// <summary>What is wrong with it.</summary>
    public string Problem { get; }
}
