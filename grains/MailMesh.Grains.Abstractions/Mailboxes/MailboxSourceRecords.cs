using MailMesh.Runtime;

namespace MailMesh.Grains.Mailboxes;

/// <summary>The protocol a mailbox source speaks.</summary>
public enum SourceProtocol
{
    /// <summary>IMAP4rev1 (RFC 3501).</summary>
    Imap,

    /// <summary>POP3 (RFC 1939).</summary>
    Pop3,
}

/// <summary>How the connection to the source is secured.</summary>
public enum SourceTls
{
    /// <summary>TLS from the first byte (IMAPS 993, POP3S 995).</summary>
    Implicit,

    /// <summary>Plain connect, then STARTTLS/STLS.</summary>
    StartTls,

    /// <summary>No TLS: credentials travel in clear text (loopback or trusted networks only).</summary>
    None,
}

/// <summary>Where a mailbox's mail comes from. Secrets are given here once and stored encrypted; they are never
/// returned (see <see cref="MailboxSourceInfo"/>).</summary>
/// <param name="Protocol">IMAP or POP3.</param>
/// <param name="Host">Server host name or address.</param>
/// <param name="Port">TCP port; 0 for the protocol's default.</param>
/// <param name="Tls">Implicit TLS, STARTTLS or none.</param>
/// <param name="UserName">Login name.</param>
/// <param name="Password">Password (or null when <paramref name="OAuthToken"/> is given).</param>
/// <param name="OAuthToken">XOAUTH2 access token (or null when <paramref name="Password"/> is given).</param>
/// <param name="TrustedCertificate">For self-signed servers: a PEM certificate or a SHA-256 hex thumbprint to trust.</param>
/// <param name="Folders">IMAP folders to sync; null or empty for all selectable folders.</param>
/// <param name="PollInterval">Polling interval when IDLE is not used; 1 minute to 1 day. Null for 5 minutes.</param>
/// <param name="Pop3LeaveOnServer">POP3: keep messages on the server after downloading them.</param>
/// <param name="Pop3DeleteAfterDays">POP3 with leave-on-server: delete from the server this many days after download (null: never).</param>
/// <param name="UseIdle">IMAP: watch the inbox with IDLE when the server supports it.</param>
[Immutable]
public sealed record MailboxSource(
    SourceProtocol Protocol,
    string Host,
    int Port,
    SourceTls Tls,
    string UserName,
    string? Password = null,
    string? OAuthToken = null,
    string? TrustedCertificate = null,
    IReadOnlyList<string>? Folders = null,
    TimeSpan? PollInterval = null,
    bool Pop3LeaveOnServer = true,
    int? Pop3DeleteAfterDays = null,
    bool UseIdle = true)
{
    /// <summary>Never prints secrets.</summary>
    public override string ToString() => $"{Protocol} {UserName}@{Host}:{Port} ({Tls})";
}

/// <summary>A configured source without its secrets.</summary>
/// <param name="Protocol">IMAP or POP3.</param>
/// <param name="Host">Host.</param>
/// <param name="Port">Port (0: default).</param>
/// <param name="Tls">TLS mode.</param>
/// <param name="UserName">Login name.</param>
/// <param name="UsesOAuth">Whether an XOAUTH2 token (not a password) is stored.</param>
/// <param name="Folders">Folders to sync; empty for all.</param>
/// <param name="PollInterval">Polling interval.</param>
/// <param name="Pop3LeaveOnServer">POP3 leave-on-server.</param>
/// <param name="Pop3DeleteAfterDays">POP3 delete-after days.</param>
/// <param name="UseIdle">IMAP IDLE on the inbox.</param>
[Immutable]
public sealed record MailboxSourceInfo(
    SourceProtocol Protocol, string Host, int Port, SourceTls Tls, string UserName, bool UsesOAuth,
    IReadOnlyList<string> Folders, TimeSpan PollInterval, bool Pop3LeaveOnServer, int? Pop3DeleteAfterDays, bool UseIdle);

/// <summary>Why the last sync failed.</summary>
public enum SyncErrorKind
{
    /// <summary>No error.</summary>
    None,

    /// <summary>The server rejected the credentials.</summary>
    Auth,

    /// <summary>The TLS handshake failed (most often an untrusted certificate).</summary>
    Tls,

    /// <summary>Connect failed, the connection dropped or timed out.</summary>
    Network,

    /// <summary>The server answered something unexpected or refused a command.</summary>
    Protocol,

    /// <summary>Storing the message (blob store or index) failed.</summary>
    Storage,
}

/// <summary>The sync state of a mailbox.</summary>
/// <param name="Configured">Whether a source is configured.</param>
/// <param name="Running">Whether a sync run is in progress.</param>
/// <param name="LastSuccessAt">When the last run completed successfully.</param>
/// <param name="LastAttemptAt">When the last run started.</param>
/// <param name="MessageCount">Messages in the index for this mailbox (as of the last committed batch).</param>
/// <param name="FolderCount">Folders tracked.</param>
/// <param name="Runs">Completed runs (successful or not).</param>
/// <param name="LastErrorKind">Kind of the last error; <see cref="SyncErrorKind.None"/> after a success.</param>
/// <param name="LastError">Its message (never contains credentials).</param>
/// <param name="ConsecutiveFailures">Failures since the last success.</param>
/// <param name="NextRetryAt">When the next attempt is due after a failure.</param>
[Immutable]
public sealed record MailboxSyncStatus(
    bool Configured, bool Running, DateTimeOffset? LastSuccessAt, DateTimeOffset? LastAttemptAt, long MessageCount, int FolderCount,
    long Runs, SyncErrorKind LastErrorKind, string? LastError, int ConsecutiveFailures, DateTimeOffset? NextRetryAt);

/// <summary>A synced folder.</summary>
/// <param name="Id">Stable id (survives renames; used in blob names).</param>
/// <param name="Name">Current name on the server.</param>
/// <param name="UidValidity">UIDVALIDITY.</param>
/// <param name="LastUid">Highest UID synced.</param>
/// <param name="HighestModSeq">HIGHESTMODSEQ at the last sync (0 without CONDSTORE).</param>
[Immutable]
public sealed record MailboxFolderInfo(string Id, string Name, uint UidValidity, uint LastUid, ulong HighestModSeq);

/// <summary>No source is configured for the mailbox, or sync services are not registered.</summary>
public sealed class MailboxSourceNotConfiguredException(string message) : InvalidOperationException(message);
