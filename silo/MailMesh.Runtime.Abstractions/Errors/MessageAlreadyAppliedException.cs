namespace MailMesh.Runtime;

/// <summary>A redelivered call was not run again: the grain's state already holds its effect (a state write of an
/// earlier delivery committed before the silo running it failed), but that delivery's answer was lost. The call took
/// effect exactly once; its result is unknown.</summary>
public sealed class MessageAlreadyAppliedException(string message) : InvalidOperationException(message)
{
    /// <summary>Creates the exception for <paramref name="grain"/> and <paramref name="messageId"/>.</summary>
    public MessageAlreadyAppliedException(GrainId grain, string method, string messageId)
        : this($"The call {grain}.{method} (message {messageId}) was already applied by a silo that failed before answering; it was not run again and its result is unknown.")
    {
    }
}
