namespace MailMesh.Runtime;

/// <summary>Where a silo is in its life.</summary>
public enum SiloStatus
{
    /// <summary>Built, not started: takes no calls.</summary>
    Created,

    /// <summary>Taking calls.</summary>
    Running,

    /// <summary>Shutting down: no new external calls; running and queued turns finish, then every activation
    /// is deactivated.</summary>
    Stopping,

    /// <summary>Stopped.</summary>
    Stopped,
}
