namespace MailMesh.Runtime;

/// <summary>Why an activation is being deactivated.</summary>
public enum DeactivationReasonCode
{
    /// <summary>It received no call for the configured idle timeout.</summary>
    IdleTimeout,

    /// <summary>The grain asked for it (<see cref="Grain.DeactivateOnIdle"/>).</summary>
    ApplicationRequested,

    /// <summary>The silo is shutting down.</summary>
    SiloShutdown,

    /// <summary>Cluster mode: the grain's shard moved to another silo.</summary>
    ShardMoved,
}

/// <summary>Why an activation is being deactivated, with a human-readable description.</summary>
/// <param name="Code">The reason.</param>
/// <param name="Description">Details for logs.</param>
public readonly record struct DeactivationReason(DeactivationReasonCode Code, string Description)
{
    /// <inheritdoc />
    public override string ToString() => $"{Code}: {Description}";
}
