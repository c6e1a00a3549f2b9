using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;

namespace MailMesh.Protocols.Internal;

/// <summary>Opens TCP connections and upgrades them to TLS with the project's certificate rules.</summary>
internal static class MailTransport
{
    /// <summary>Connects with a timeout; socket buffers are large so bulk downloads are not throttled by the kernel window.</summary>
    public static async Task<Socket> ConnectAsync(string host, int port, TimeSpan timeout, int socketBufferSize, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        using var timeoutSource = new CancellationTokenSource(timeout, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutSource.Token);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            socket.ReceiveBufferSize = socketBufferSize;
            socket.SendBufferSize = Math.Min(socketBufferSize, 256 * 1024);
            await socket.ConnectAsync(host, port, linked.Token).ConfigureAwait(false);
            return socket;
        }
        catch (OperationCanceledException) when (timeoutSource.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new TimeoutException($"Connecting to {host}:{port} did not complete within {timeout}.");
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Runs the TLS handshake; an untrusted certificate throws <see cref="AuthenticationException"/> saying which and how to trust it.</summary>
    public static async Task<SslStream> AuthenticateAsync(Stream inner, string host, MailTlsOptions options, CancellationToken cancellationToken)
    {
        var trust = new CertificateTrust(options);
        var targetHost = options.TargetHost ?? host;
        var ssl = new SslStream(inner, leaveInnerStreamOpen: false);
        var sslOptions = new SslClientAuthenticationOptions
        {
            TargetHost = targetHost,
            EnabledSslProtocols = options.EnabledProtocols,
            CertificateRevocationCheckMode = options.RevocationMode,
            RemoteCertificateValidationCallback = (_, certificate, chain, errors) => trust.Validate(targetHost, certificate, chain, errors),
        };
        try
        {
            await ssl.AuthenticateAsClientAsync(sslOptions, cancellationToken).ConfigureAwait(false);
            return ssl;
        }
        catch (AuthenticationException e) when (trust.LastRejection is not null)
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw new AuthenticationException("TLS handshake failed: " + trust.LastRejection + ".", e);
        }
        catch
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
