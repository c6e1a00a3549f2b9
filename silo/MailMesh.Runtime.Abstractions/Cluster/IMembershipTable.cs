namespace MailMesh.Runtime.Cluster;

/// <summary>Where a silo is in its cluster membership, as the membership table records it (not to be confused with
/// the runtime's SiloStatus, the local host's life cycle).</summary>
public enum MemberStatus
{
    /// <summary>Registered and heartbeating; takes a share of the grains.</summary>
    Active,

    /// <summary>Announced a graceful shutdown: hands its grains over, then leaves.</summary>
    ShuttingDown,

    /// <summary>Left gracefully. Final.</summary>
    Left,

    /// <summary>Missed heartbeats for longer than the configured timeout and was declared dead by a peer. Final:
    /// the silo must stop (its next heartbeat fails with <see cref="SiloDeclaredDeadException"/>).</summary>
    Dead,
}

/// <summary>One silo's row in the membership table.</summary>
/// <param name="SiloId">Unique per silo process start (e.g. host name and a random suffix).</param>
/// <param name="Address">Where peers reach it (e.g. <c>10.0.0.7:5081</c>).</param>
/// <param name="StartedAt">When the process started (UTC, microsecond precision).</param>
/// <param name="Status">Its status.</param>
/// <param name="LastHeartbeat">Its last heartbeat (UTC, microsecond precision).</param>
/// <param name="Version">Bumped on every change of the row, heartbeats included.</param>
[Immutable]
public sealed record MembershipEntry(string SiloId, string Address, DateTimeOffset StartedAt, MemberStatus Status, DateTimeOffset LastHeartbeat, long Version);

/// <summary>The membership table at one moment.</summary>
/// <param name="Version">The table's version: bumped by every join, leave and death (not by heartbeats), so a
/// reader can tell cheaply whether membership changed.</param>
/// <param name="Members">Every row, live or not, ordered by silo id.</param>
[Immutable]
public sealed record MembershipSnapshot(long Version, IReadOnlyList<MembershipEntry> Members);

/// <summary>The cluster's membership table (the idea of Orleans' ADO.NET clustering): silos register, heartbeat,
/// leave, and declare dead the ones whose heartbeats stopped. Times come from the caller's clock, so silos' clocks
/// must agree to well within the death timeout (NTP).</summary>
public interface IMembershipTable
{
    /// <summary>Adds <paramref name="siloId"/> as <see cref="MemberStatus.Active"/>, heartbeating now.</summary>
    /// <exception cref="InvalidOperationException">A silo with that id is already registered; ids are unique per
    /// process start.</exception>
    Task<MembershipEntry> RegisterAsync(string siloId, string address, DateTimeOffset startedAt, CancellationToken cancellationToken = default);

    /// <summary>Records that the silo is alive now; returns the updated row.</summary>
    /// <exception cref="SiloDeclaredDeadException">Peers declared it dead (or it left, or was never registered):
    /// the silo must stop serving.</exception>
    Task<MembershipEntry> HeartbeatAsync(string siloId, CancellationToken cancellationToken = default);

    /// <summary>Every row and the table version.</summary>
    Task<MembershipSnapshot> ReadAsync(CancellationToken cancellationToken = default);

    /// <summary>Marks <see cref="MemberStatus.Active"/> and <see cref="MemberStatus.ShuttingDown"/> silos whose last
    /// heartbeat is older than the configured timeout as <see cref="MemberStatus.Dead"/>; returns the ones it marked
    /// (empty when none). Safe to call from every silo at once: each death is declared once.</summary>
    Task<IReadOnlyList<MembershipEntry>> DeclareDeadAsync(CancellationToken cancellationToken = default);

    /// <summary>Graceful shutdown, first step: the silo announces it is leaving (still heartbeating).</summary>
    /// <exception cref="SiloDeclaredDeadException">It is no longer a live member.</exception>
    Task<MembershipEntry> BeginLeaveAsync(string siloId, CancellationToken cancellationToken = default);

    /// <summary>Graceful shutdown, last step: the silo is gone (<see cref="MemberStatus.Left"/>). Idempotent; false
    /// when it was already gone (left or declared dead).</summary>
    Task<bool> LeaveAsync(string siloId, CancellationToken cancellationToken = default);

    /// <summary>Deletes <see cref="MemberStatus.Left"/> and <see cref="MemberStatus.Dead"/> rows whose last heartbeat is
    /// older than <paramref name="age"/>; returns how many.</summary>
    Task<int> RemoveDefunctAsync(TimeSpan age, CancellationToken cancellationToken = default);
}

/// <summary>The membership table no longer counts this silo as a live member (declared dead by its peers, left,
/// or never registered): it must stop serving, since its grains have moved on.</summary>
public sealed class SiloDeclaredDeadException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    public SiloDeclaredDeadException(string siloId, MemberStatus? status)
        : base(status is null
            ? $"Silo '{siloId}' is not in the membership table: it was never registered or its row was removed. It must stop and register anew."
            : $"Silo '{siloId}' is marked {status} in the membership table: its peers no longer count it as a member. It must stop and register anew.")
    {
        SiloId = siloId;
        Status = status;
    }

    /// <summary>The silo.</summary>
    public string SiloId { get; }

    /// <summary>Its status in the table (null when there is no row).</summary>
    public MemberStatus? Status { get; }
}
