namespace MailMesh.Runtime;

/// <summary>A grain could not be activated (its state could not be read or decoded, or its
/// <c>OnActivateAsync</c> threw). Other grains are unaffected; the stored data is left as it is.</summary>
public sealed class GrainActivationException : Exception
{
    /// <summary>Creates the exception.</summary>
    public GrainActivationException(GrainId grain, string reason, Exception? inner = null)
        : base($"Activation of {grain} failed: {reason}", inner)
    {
        Grain = grain;
        Reason = reason;
    }

    /// <summary>The grain.</summary>
    public GrainId Grain { get; }

    /// <summary>Why it failed.</summary>
    public string Reason { get; }
}
