using MailMesh.Grains.Mailboxes.Sync;
using MailMesh.Runtime;

namespace MailMesh.Grains.Mailboxes;

/// <summary>Source configuration.</summary>
public sealed partial class MailboxGrain
{
    /// <summary>Shortest poll interval.</summary>
    public static readonly TimeSpan MinPollInterval = TimeSpan.FromSeconds(1);

    /// <summary>Longest poll interval.</summary>
    public static readonly TimeSpan MaxPollInterval = TimeSpan.FromDays(1);

    private const string PollReminder = "source-poll";

    /// <inheritdoc />
    public async Task<MailboxSourceInfo> ConfigureSource(MailboxSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var services = RequireSync();
        if (!state.RecordExists)
        {
            throw new MailboxSourceNotConfiguredException($"Mailbox '{GrainKey}' does not exist; create it before configuring its source.");
        }

        var previous = syncState.State.Source;
        // Replacing the source of the same account (e.g. other folders or interval) may keep the stored secret.
        var keepSecret = source.Password is null && source.OAuthToken is null && previous is not null && IsSameAccount(previous, source);
        ValidateSource(source, keepSecret);
        var config = new SourceConfig
        {
            Protocol = source.Protocol,
            Host = source.Host.Trim(),
            Port = source.Port,
            Tls = source.Tls,
            UserName = source.UserName,
            Secret = keepSecret ? previous!.Secret : services.Protector.Protect(source.OAuthToken ?? source.Password!, GrainKey),
            UsesOAuth = keepSecret ? previous!.UsesOAuth : source.OAuthToken is not null,
            TrustedCertificate = string.IsNullOrWhiteSpace(source.TrustedCertificate) ? null : source.TrustedCertificate.Trim(),
            Folders = source.Folders?.Where(f => !string.IsNullOrWhiteSpace(f)).ToList() ?? [],
            PollInterval = source.PollInterval ?? TimeSpan.FromMinutes(5),
            Pop3LeaveOnServer = source.Pop3LeaveOnServer,
            Pop3DeleteAfterDays = source.Pop3DeleteAfterDays,
            UseIdle = source.UseIdle,
            Generation = Guid.NewGuid().ToString("N"),
        };

        var sameAccount = previous is not null && previous.Protocol == config.Protocol
            && string.Equals(previous.Host, config.Host, StringComparison.OrdinalIgnoreCase) && previous.Port == config.Port
            && string.Equals(previous.UserName, config.UserName, StringComparison.Ordinal);
        if (!sameAccount)
        {
            // Another account: its UIDs mean nothing for the cursors kept so far. Rows stay (keyed by folder id).
            syncState.State.Folders.Clear();
        }

        syncState.State.Source = config;
        syncState.State.Status.ConsecutiveFailures = 0;
        syncState.State.Status.NextRetryAt = null;
        RaiseEvent("mailbox.source_configured", GrainKey, new { protocol = config.Protocol.ToString(), host = config.Host, port = config.Port, user = config.UserName });
        await syncState.WriteStateAsync();
        await RegisterOrUpdateReminderAsync(PollReminder, config.PollInterval, config.PollInterval);
        await RestartIdleWatcherAsync();
        await SyncNow();
        return SourceInfo(config);
    }

    /// <inheritdoc />
    public async Task RemoveSource()
    {
        if (syncState.State.Source is null)
        {
            return;
        }

        await StopSyncAsync();
        syncState.State.Source = null;
        RaiseEvent("mailbox.source_removed", GrainKey, new { });
        await syncState.WriteStateAsync();
        await UnregisterReminderAsync(PollReminder);
    }

    /// <inheritdoc />
    public Task<MailboxSourceInfo?> GetSource()
    {
        RequireMailbox();
        return Task.FromResult(syncState.State.Source is { } s ? SourceInfo(s) : null);
    }

    /// <inheritdoc />
    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != PollReminder || syncState.State.Source is null)
        {
            return;
        }

        if (_run is not null)
        {
            // A run longer than the resume delay: keep the resume point ahead of it, or a crash after this tick would
            // leave the run to the next poll instead of resuming it on the shard's next owner.
            await ArmResumeAsync();
        }

        await SyncNow();
    }

    private static bool IsSameAccount(SourceConfig previous, MailboxSource source) =>
        previous.Protocol == source.Protocol && previous.Port == source.Port
        && string.Equals(previous.Host, source.Host?.Trim(), StringComparison.OrdinalIgnoreCase)
        && string.Equals(previous.UserName, source.UserName, StringComparison.Ordinal);

    private static MailboxSourceInfo SourceInfo(SourceConfig s) =>
        new(s.Protocol, s.Host, s.Port, s.Tls, s.UserName, s.UsesOAuth, s.Folders, s.PollInterval, s.Pop3LeaveOnServer, s.Pop3DeleteAfterDays, s.UseIdle);

    private MailboxSyncServices RequireSync() => sync ?? throw new MailboxSourceNotConfiguredException(
        "Mailbox sync is not set up in this silo: register it with services.AddMailboxSync(configuration, dataDirectory) and set Mailboxes:CredentialKey.");

    private static void ValidateSource(MailboxSource s, bool keepSecret)
    {
        if (string.IsNullOrWhiteSpace(s.Host) || s.Host.Length > 253 || s.Host.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            throw new ArgumentException($"host '{s.Host}' must be a host name or address without spaces (1-253 characters).", nameof(MailboxSource.Host));
        }

        if (s.Port is < 0 or > 65535)
        {
            throw new ArgumentException($"port {s.Port} must be 1-65535, or 0 for the protocol's default.", nameof(MailboxSource.Port));
        }

        if (string.IsNullOrEmpty(s.UserName) || s.UserName.Length > 320 || s.UserName.Any(char.IsControl))
        {
            throw new ArgumentException("user_name must be 1-320 characters without control characters.", nameof(MailboxSource.UserName));
        }

        if (!keepSecret && ((s.Password is null) == (s.OAuthToken is null) || (s.Password ?? s.OAuthToken)!.Length is 0 or > 8192))
        {
            throw new ArgumentException(
                "give exactly one of password and oauth_token (1-8192 characters); both may be omitted only when replacing the source of the same account.",
                nameof(MailboxSource.Password));
        }

        if (s.OAuthToken is not null && s.Protocol == SourceProtocol.Pop3)
        {
            throw new ArgumentException("oauth_token (XOAUTH2) is supported for IMAP sources only; give a password for POP3.", nameof(MailboxSource.OAuthToken));
        }

        if (s.PollInterval is { } poll && (poll < MinPollInterval || poll > MaxPollInterval))
        {
            throw new ArgumentException($"poll_interval {poll} must be between {MinPollInterval} and {MaxPollInterval}.", nameof(MailboxSource.PollInterval));
        }

        if (s.Pop3DeleteAfterDays is < 0 or > 3650)
        {
            throw new ArgumentException($"pop3_delete_after_days {s.Pop3DeleteAfterDays} must be 0-3650.", nameof(MailboxSource.Pop3DeleteAfterDays));
        }

        foreach (var folder in s.Folders ?? [])
        {
            if (folder.Length > 1000 || folder.Any(char.IsControl))
            {
                throw new ArgumentException($"folder '{folder}' must be at most 1000 characters without control characters.", nameof(MailboxSource.Folders));
            }
        }

        if (s.TrustedCertificate is { } cert && !string.IsNullOrWhiteSpace(cert))
        {
            CheckTrustedCertificate(cert.Trim());
        }
    }

    private static void CheckTrustedCertificate(string cert)
    {
        if (cert.StartsWith("-----BEGIN", StringComparison.Ordinal))
        {
            try
            {
                using var parsed = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(cert);
            }
            catch (System.Security.Cryptography.CryptographicException e)
            {
                throw new ArgumentException($"trusted_certificate is not a readable PEM certificate: {e.Message}", nameof(MailboxSource.TrustedCertificate));
            }

            return;
        }

        var hex = cert.Replace(":", "", StringComparison.Ordinal);
        if (hex.Length != 64 || !hex.All(Uri.IsHexDigit))
        {
            throw new ArgumentException(
                "trusted_certificate must be a PEM certificate or a SHA-256 thumbprint (64 hex digits, ':' separators allowed).", nameof(MailboxSource.TrustedCertificate));
        }
    }
}
