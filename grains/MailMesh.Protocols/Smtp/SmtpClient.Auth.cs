using System.Text;
using MailMesh.Protocols.Sasl;

namespace MailMesh.Protocols.Smtp;

/// <summary>AUTH (RFC 4954).</summary>
public sealed partial class SmtpClient
{
    /// <summary>Logs in with a password: PLAIN when offered, else LOGIN. Refuses to send a password in clear text
    /// unless the connection is TLS or the server is on the loopback interface.</summary>
    /// <exception cref="SmtpCommandException">The server rejected the credentials (<see cref="MailCommandException.IsAuthenticationFailure"/>).</exception>
    /// <exception cref="InvalidOperationException">The server offers neither PLAIN nor LOGIN, or the connection is not secured.</exception>
    public Task AuthenticateAsync(string userName, string password, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userName);
        ArgumentNullException.ThrowIfNull(password);
        var offered = Capabilities.AuthMechanisms;
        SaslMechanism mechanism = offered.Contains("PLAIN") ? new SaslPlain(userName, password)
            : offered.Contains("LOGIN") ? new SaslLogin(userName, password)
            : throw new InvalidOperationException(offered.Count == 0
                ? $"The SMTP server {_options.Host} does not offer AUTH (over this connection{(TlsProtocol is null ? "; it may offer it only after STARTTLS" : string.Empty)})."
                : $"The SMTP server {_options.Host} offers AUTH {string.Join(' ', offered)} but neither PLAIN nor LOGIN.");
        if (TlsProtocol is null && !IsLoopback(_options.Host))
        {
            throw new InvalidOperationException($"Refusing to send a password to {_options.Host} over a connection without TLS; use TlsMode.StartTls or TlsMode.Implicit.");
        }

        return AuthenticateAsync(mechanism, cancellationToken);
    }

    /// <summary>Logs in with an OAuth 2.0 access token (XOAUTH2). Refuses a connection without TLS unless the server is on the
    /// loopback interface.</summary>
    /// <exception cref="SmtpCommandException">The server rejected the token (its JSON error is in the mechanism's ServerError).</exception>
    /// <exception cref="InvalidOperationException">The server does not offer XOAUTH2, or the connection is not secured.</exception>
    public Task AuthenticateXOAuth2Async(string userName, string accessToken, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userName);
        ArgumentException.ThrowIfNullOrEmpty(accessToken);
        if (!Capabilities.AuthMechanisms.Contains("XOAUTH2"))
        {
            throw new InvalidOperationException($"The SMTP server {_options.Host} does not offer AUTH XOAUTH2 (it offers: {string.Join(' ', Capabilities.AuthMechanisms)}).");
        }

        if (TlsProtocol is null && !IsLoopback(_options.Host))
        {
            throw new InvalidOperationException($"Refusing to send an access token to {_options.Host} over a connection without TLS; use TlsMode.StartTls or TlsMode.Implicit.");
        }

        return AuthenticateAsync(new SaslXOAuth2(userName, accessToken), cancellationToken);
    }

    /// <summary>Authenticates with <paramref name="mechanism"/> (AUTH with an initial response when it has one).</summary>
    /// <exception cref="SmtpCommandException">The server rejected the exchange.</exception>
    public async Task AuthenticateAsync(SaslMechanism mechanism, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(mechanism);
        using var scope = Enter("AUTH", SmtpSessionState.Ready);
        if (IsAuthenticated)
        {
            throw new InvalidOperationException("The SMTP session is already authenticated (RFC 4954 allows one AUTH per session).");
        }

        var reply = await RunAsync(async token =>
        {
            var command = "AUTH " + mechanism.Name;
            if (mechanism.HasInitialResponse)
            {
                var initial = mechanism.GetInitialResponse();
                command += " " + (initial.Length == 0 ? "=" : Convert.ToBase64String(initial));
            }

            var r = await CommandAsync(command, token).ConfigureAwait(false);
            for (var rounds = 0; r.Code == 334; rounds++)
            {
                if (rounds > 10)
                {
                    throw SmtpProtocolException.Malformed("the server kept sending AUTH challenges after 10 rounds");
                }

                byte[] challenge;
                try
                {
                    challenge = Convert.FromBase64String(r.Text.Trim());
                }
                catch (FormatException)
                {
                    await CommandAsync("*", token).ConfigureAwait(false);
                    throw SmtpProtocolException.Malformed($"the AUTH challenge '{r.Text}' is not base64");
                }

                r = await CommandAsync(Convert.ToBase64String(mechanism.Respond(challenge)), token).ConfigureAwait(false);
            }

            return r;
        }, cancellationToken).ConfigureAwait(false);

        if (reply.Code != 235)
        {
            throw new SmtpCommandException("AUTH", reply.Code, reply.EnhancedCode, reply.TextWithoutEnhancedCode);
        }

        IsAuthenticated = true;
    }

    private static bool IsLoopback(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase) ||
        (System.Net.IPAddress.TryParse(host.Trim('[', ']'), out var address) && System.Net.IPAddress.IsLoopback(address));

    private static string XText(string value)
    {
        var builder = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            if (c is < '!' or > '~' or '+' or '=')
            {
                builder.Append('+').Append(((int)c).ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }
}
