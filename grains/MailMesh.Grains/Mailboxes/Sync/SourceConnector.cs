using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MailMesh.Protocols;
using MailMesh.Protocols.Imap;
using MailMesh.Protocols.Sasl;
using Microsoft.Extensions.Logging;

namespace MailMesh.Grains.Mailboxes.Sync;

/// <summary>Opens authenticated sessions to a configured source and classifies failures.</summary>
internal static class SourceConnector
{
    public static async Task<ImapClient> ConnectImapAsync(
        SourceConfig source, string grainKey, MailboxSyncServices services, CancellationToken cancellationToken)
    {
        var client = new ImapClient(
            new ImapClientOptions
            {
                Host = source.Host,
                Port = source.Port,
                Tls = ToTlsMode(source.Tls),
                TlsOptions = TlsOptionsFor(source),
                ConnectTimeout = services.Options.ConnectTimeout,
                CommandTimeout = services.Options.CommandTimeout,
                FetchBatchSize = Math.Min(services.Options.BatchSize, 1000),
            },
            services.LoggerFactory.CreateLogger<ImapClient>());
        try
        {
            await client.ConnectAsync(cancellationToken).ConfigureAwait(false);
            var secret = services.Protector.Unprotect(source.Secret, grainKey);
            if (source.UsesOAuth)
            {
                await client.AuthenticateAsync(new SaslXOAuth2(source.UserName, secret), cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await client.AuthenticateAsync(source.UserName, secret, cancellationToken).ConfigureAwait(false);
            }

            if (client.Capabilities.QResync && client.Capabilities.Enable)
            {
                // QRESYNC implies CONDSTORE (RFC 7162 3.2.3); incremental runs then learn expunges and flag changes
                // from EXAMINE alone.
                await client.EnableAsync(["QRESYNC"], cancellationToken).ConfigureAwait(false);
            }
            else if (client.Capabilities.CondStore && client.Capabilities.Enable)
            {
                await client.EnableAsync(["CONDSTORE"], cancellationToken).ConfigureAwait(false);
            }

            return client;
        }
        catch
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public static TlsMode ToTlsMode(SourceTls tls) => tls switch
    {
        SourceTls.Implicit => TlsMode.Implicit,
        SourceTls.StartTls => TlsMode.StartTls,
        _ => TlsMode.None,
    };

    public static MailTlsOptions TlsOptionsFor(SourceConfig source)
    {
        var options = new MailTlsOptions();
        var trusted = source.TrustedCertificate?.Trim();
        if (string.IsNullOrEmpty(trusted))
        {
            return options;
        }

        if (trusted.StartsWith("-----BEGIN", StringComparison.Ordinal))
        {
            options.TrustedCertificates.Add(X509Certificate2.CreateFromPem(trusted));
        }
        else
        {
            options.TrustedCertificateThumbprints.Add(trusted);
        }

        return options;
    }

    /// <summary>What kind of failure <paramref name="error"/> is, and a message safe to store (no secrets: the
    /// protocol clients never put command arguments in messages).</summary>
    public static (SyncErrorKind Kind, string Message) Classify(Exception error) => error switch
    {
        MailCommandException { IsAuthenticationFailure: true } e => (SyncErrorKind.Auth, $"The server rejected the credentials: {e.ResponseText}"),
        MailCommandException e => (SyncErrorKind.Protocol, $"The server refused {e.Command}: {e.ResponseText}"),
        MailProtocolException { Kind: ProtocolFailureKind.Tls } e => (SyncErrorKind.Tls, e.Message),
        MailProtocolException { Kind: ProtocolFailureKind.MalformedResponse } e => (SyncErrorKind.Protocol, e.Message),
        MailProtocolException e => (SyncErrorKind.Network, e.Message),
        AuthenticationException e => (SyncErrorKind.Tls, e.Message),
        SocketException or IOException or TimeoutException => (SyncErrorKind.Network, error.Message),
        CryptographicException e => (SyncErrorKind.Auth, "The stored credential cannot be decrypted: " + e.Message),
        NotSupportedException or InvalidDataException => (SyncErrorKind.Protocol, error.Message),
        _ => (SyncErrorKind.Storage, $"{error.GetType().Name}: {error.Message}"),
    };
}
