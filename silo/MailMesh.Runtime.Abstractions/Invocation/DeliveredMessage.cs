namespace MailMesh.Runtime.Invocation;

/// <summary>The id of the cluster message whose turn runs on the current async flow: set by the runtime while a grain
/// runs a call or one-way message that a cluster fabric delivered (null for every other turn). A storage provider
/// that supports de-duplication records this id with the grain's state write, in the same transaction, so a
/// redelivery of the message after a crash is recognised as already applied.</summary>
public static class DeliveredMessage
{
    private static readonly AsyncLocal<string?> Id = new();

    /// <summary>The message id of the running delivered turn; null outside one.</summary>
    public static string? CurrentId => Id.Value;

    /// <summary>Sets the id for the current async flow (the runtime does this around a delivered turn).</summary>
    public static void SetCurrent(string? messageId) => Id.Value = messageId;
}
