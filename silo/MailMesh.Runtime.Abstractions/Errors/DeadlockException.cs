namespace MailMesh.Runtime;

/// <summary>A call would wait on a non-reentrant grain that is itself waiting, directly or through others,
/// on the caller: a cycle that can never complete.</summary>
public sealed class DeadlockException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    public DeadlockException(IReadOnlyList<string> callChain)
        : base($"Deadlock: the call chain {string.Join(" -> ", callChain)} returns to a non-reentrant grain that is waiting on it. " +
               "Mark the grain [Reentrant] or the method [AlwaysInterleave], or break the cycle.")
    {
        CallChain = callChain;
    }

    /// <summary>The grains and methods of the cycle, first caller first.</summary>
    public IReadOnlyList<string> CallChain { get; }
}
