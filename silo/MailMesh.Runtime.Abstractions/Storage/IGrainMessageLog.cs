namespace MailMesh.Runtime.Storage;

/// <summary>Which delivered messages a grain's state writes have already committed (the ids the storage provider
/// recorded with each write made during a delivered turn, kept for a window). A fabric asks before it runs a message
/// that the broker redelivered.</summary>
public interface IGrainMessageLog
{
    /// <summary>Whether a state write of <paramref name="grain"/> made while running message
    /// <paramref name="messageId"/> has committed.</summary>
    /// <exception cref="StorageException">The store could not be reached.</exception>
    Task<bool> WasAppliedAsync(GrainId grain, string messageId, CancellationToken cancellationToken = default);
}
