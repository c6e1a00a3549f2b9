namespace MailMesh.Runtime.Cluster;

/// <summary>Named leases with an expiry, shared by the silos of a cluster: at most one holder per name at a time, so a
/// singleton job (an event relay) runs on one silo and moves to another when its holder stops renewing. Expiry is
/// judged by the table's own clock, not the silos'.</summary>
public interface ILeaseTable
{
    /// <summary>Takes the lease <paramref name="name"/> for <paramref name="holder"/> for <paramref name="duration"/>
    /// when it is free, expired or already held by <paramref name="holder"/> (which renews it). Returns whether
    /// <paramref name="holder"/> holds it now.</summary>
    Task<bool> TryAcquireAsync(string name, string holder, TimeSpan duration, CancellationToken cancellationToken = default);

    /// <summary>Gives the lease up when <paramref name="holder"/> holds it, so another silo may take it at once.</summary>
    Task ReleaseAsync(string name, string holder, CancellationToken cancellationToken = default);

    /// <summary>The current holder of an unexpired lease, or null.</summary>
    Task<string?> GetHolderAsync(string name, CancellationToken cancellationToken = default);
}
