using MailMesh.Blobs;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace MailMesh.Grains.Mailboxes.Sync;

/// <summary>Notified when a mailbox sync run ends (tests, metrics, progress displays). Optional; called off the
/// grain's turn order, must not block.</summary>
public interface IMailboxSyncObserver
{
    /// <summary>A run of <paramref name="mailbox"/> ended; <paramref name="status"/> is the status right after it.</summary>
    void RunCompleted(string mailbox, MailboxSyncStatus status);

    /// <summary>A batch of <paramref name="count"/> new messages of <paramref name="mailbox"/> was committed.</summary>
    void BatchCommitted(string mailbox, int count);

    /// <summary>The IDLE watcher of <paramref name="mailbox"/> is idling on the inbox (the server accepted IDLE).</summary>
    void IdleStarted(string mailbox);
}

/// <summary>What a mailbox grain needs to sync (registered by
/// <see cref="MailboxSyncServiceCollectionExtensions.AddMailboxSync"/>).</summary>
public sealed class MailboxSyncServices(
    IOptions<MailboxSyncOptions> options,
    CredentialProtector protector,
    IMessageIndex index,
    IBlobStore blobs,
    IEnumerable<IMailboxSyncObserver> observers,
    ILoggerFactory? loggerFactory = null)
{
    /// <summary>Options.</summary>
    public MailboxSyncOptions Options { get; } = options.Value;

    /// <summary>Credential encryption.</summary>
    public CredentialProtector Protector { get; } = protector;

    /// <summary>The message index.</summary>
    public IMessageIndex Index { get; } = index;

    /// <summary>The blob store for raw messages.</summary>
    public IBlobStore Blobs { get; } = blobs;

    /// <summary>Observers.</summary>
    public IReadOnlyList<IMailboxSyncObserver> Observers { get; } = observers.ToList();

    /// <summary>Logger factory.</summary>
    public ILoggerFactory LoggerFactory { get; } = loggerFactory ?? NullLoggerFactory.Instance;
}
