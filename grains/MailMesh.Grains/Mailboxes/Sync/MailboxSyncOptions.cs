using Microsoft.Extensions.Options;

namespace MailMesh.Grains.Mailboxes.Sync;

/// <summary>Settings of mailbox sync (configuration section <c>Mailboxes</c>).</summary>
public sealed class MailboxSyncOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Mailboxes";

    /// <summary>AES-256 key (base64, 32 bytes) that encrypts source credentials at rest.</summary>
    public string? CredentialKey { get; set; }

    /// <summary>Id stored with each ciphertext so keys can be rotated. Default <c>k1</c>.</summary>
    public string CredentialKeyId { get; set; } = "k1";

    /// <summary>Older keys by id (base64), still accepted for decryption after a rotation.</summary>
    public Dictionary<string, string> RetiredCredentialKeys { get; set; } = [];

    /// <summary>The SQLite file of the message index. Default <c>index.db</c> in the data directory given to
    /// <see cref="MailboxSyncServiceCollectionExtensions.AddMailboxSync"/>.</summary>
    public string? IndexPath { get; set; }

    /// <summary>Messages fetched, stored and committed per grain turn. Default 250.</summary>
    public int BatchSize { get; set; } = 250;

    /// <summary>First retry delay after a failure; doubles per failure (with ±20% jitter). Default 5 s.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Longest retry delay. Default 30 minutes.</summary>
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>How soon a run cut short by a silo stop resumes after the silo is back (the poll reminder is brought
    /// forward this far while a run is in progress). Default 1 minute.</summary>
    public TimeSpan ResumeDelay { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Connect + TLS + greeting limit. Default 20 s.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>How long a command may wait for the server. Default 60 s.</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How often a mailbox looks for message blobs no index row refers to (after a successful run, at most
    /// this often) and deletes them. Default 1 day; zero turns the sweep off.</summary>
    public TimeSpan OrphanBlobSweepInterval { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Blobs younger than this are never swept, whatever the index says (a blob is written before its row).
    /// Default 1 hour.</summary>
    public TimeSpan OrphanBlobGrace { get; set; } = TimeSpan.FromHours(1);
}

internal sealed class MailboxSyncOptionsValidator : IValidateOptions<MailboxSyncOptions>
{
    public ValidateOptionsResult Validate(string? name, MailboxSyncOptions options)
    {
        var problem = CredentialProtector.CheckKey(options.CredentialKey, "Mailboxes:CredentialKey", "MAILMESH__MAILBOXES__CREDENTIALKEY");
        if (problem is not null)
        {
            return ValidateOptionsResult.Fail(problem);
        }

        foreach (var (id, key) in options.RetiredCredentialKeys)
        {
            problem = CredentialProtector.CheckKey(key, $"Mailboxes:RetiredCredentialKeys:{id}", null);
            if (problem is not null)
            {
                return ValidateOptionsResult.Fail(problem);
            }
        }

        if (string.IsNullOrWhiteSpace(options.CredentialKeyId) || options.CredentialKeyId.Length > 32)
        {
            return ValidateOptionsResult.Fail("Mailboxes:CredentialKeyId must be 1-32 characters.");
        }

        if (options.BatchSize is < 1 or > 10_000)
        {
            return ValidateOptionsResult.Fail($"Mailboxes:BatchSize {options.BatchSize} must be 1-10000.");
        }

        if (options.OrphanBlobSweepInterval < TimeSpan.Zero || options.OrphanBlobGrace < TimeSpan.Zero)
        {
            return ValidateOptionsResult.Fail(
                $"Mailboxes:OrphanBlobSweepInterval ({options.OrphanBlobSweepInterval}) and Mailboxes:OrphanBlobGrace ({options.OrphanBlobGrace}) must not be negative.");
        }

        if (options.ResumeDelay < TimeSpan.FromSeconds(1))
        {
            return ValidateOptionsResult.Fail($"Mailboxes:ResumeDelay {options.ResumeDelay} must be at least 1 second.");
        }

        return options.RetryBaseDelay <= TimeSpan.Zero || options.RetryMaxDelay < options.RetryBaseDelay
            ? ValidateOptionsResult.Fail("Mailboxes:RetryBaseDelay must be positive and at most Mailboxes:RetryMaxDelay.")
            : ValidateOptionsResult.Success;
    }
}
