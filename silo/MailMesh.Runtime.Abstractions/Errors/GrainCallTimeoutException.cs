namespace MailMesh.Runtime;

/// <summary>A grain call did not complete within its timeout.</summary>
public sealed class GrainCallTimeoutException : TimeoutException
{
    /// <summary>Creates the exception.</summary>
    public GrainCallTimeoutException(GrainId grain, string method, TimeSpan timeout, string? detail = null)
        : base($"Call to {grain}.{method} timed out after {timeout.TotalSeconds:0.###} s{(detail is null ? "" : "; " + detail)}.")
    {
        Grain = grain;
        Method = method;
        Timeout = timeout;
    }

    /// <summary>The grain called.</summary>
    public GrainId Grain { get; }

    /// <summary>The interface method called.</summary>
    public string Method { get; }

    /// <summary>The timeout in force.</summary>
    public TimeSpan Timeout { get; }
}
