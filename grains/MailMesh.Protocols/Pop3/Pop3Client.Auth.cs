using System.Security.Cryptography;
using System.Text;
using MailMesh.Protocols.Pop3.Internal;
using MailMesh.Protocols.Sasl;

namespace MailMesh.Protocols.Pop3;

/// <summary>Authentication: USER/PASS, APOP, AUTH (SASL, RFC 5034).</summary>
public sealed partial class Pop3Client
{
    /// <summary>
    /// Logs in with SASL PLAIN when offered, else USER/PASS. Wrong credentials throw
    /// <see cref="Pop3CommandException"/> with <see cref="MailCommandException.IsAuthenticationFailure"/>.
    /// </summary>
    public Task AuthenticateAsync(string userName, string password, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userName);
        ArgumentNullException.ThrowIfNull(password);
        return Capabilities.SaslMechanisms.Contains("PLAIN")
            ? AuthenticateAsync(new SaslPlain(userName, password), cancellationToken)
            : LoginAsync(userName, password, cancellationToken);
    }

    /// <summary>USER then PASS (RFC 1939 7).</summary>
    public async Task LoginAsync(string userName, string password, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userName);
        ArgumentNullException.ThrowIfNull(password);
        CheckNoLineBreaks(userName, nameof(userName));
        CheckNoLineBreaks(password, nameof(password));
        using var scope = BeginOperation("USER", Pop3SessionState.Authorization);
        await CommandAsync("USER " + userName, "USER", cancellationToken).ConfigureAwait(false);
        await CommandAsync("PASS " + password, "PASS", cancellationToken).ConfigureAwait(false);
        await AfterLoginAsync(userName, "USER/PASS", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>APOP (RFC 1939 7): the password never crosses the wire, but the server must keep it in clear text.</summary>
    public async Task ApopAsync(string userName, string password, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userName);
        ArgumentNullException.ThrowIfNull(password);
        CheckNoLineBreaks(userName, nameof(userName));
        using var scope = BeginOperation("APOP", Pop3SessionState.Authorization);
        if (_apopTimestamp is null)
        {
            throw new NotSupportedException($"The POP3 server {_options.Host} sent no APOP timestamp in its greeting, so it does not support APOP.");
        }

        // MD5 is what RFC 1939 APOP defines; it is used here as a challenge digest, not for storage.
#pragma warning disable CA5351
        var digest = Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(_apopTimestamp + password)));
#pragma warning restore CA5351
        await CommandAsync("APOP " + userName + " " + digest, "APOP", cancellationToken).ConfigureAwait(false);
        await AfterLoginAsync(userName, "APOP", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>AUTH with a SASL mechanism (RFC 5034), sending the initial response with the command.</summary>
    public async Task AuthenticateAsync(SaslMechanism mechanism, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(mechanism);
        using var scope = BeginOperation("AUTH", Pop3SessionState.Authorization);
        await RunAsync(async token =>
        {
            var line = "AUTH " + mechanism.Name;
            var sentInitial = false;
            if (mechanism.HasInitialResponse)
            {
                var initial = mechanism.GetInitialResponse();
                line += " " + (initial.Length == 0 ? "=" : Convert.ToBase64String(initial));
                sentInitial = true;
            }

            await WriteLineAsync(line, token).ConfigureAwait(false);
            while (await ReadStatusAsync("AUTH", true, token).ConfigureAwait(false) is null)
            {
                byte[] response;
                if (mechanism.HasInitialResponse && !sentInitial)
                {
                    sentInitial = true;
                    response = mechanism.GetInitialResponse();
                }
                else
                {
                    response = mechanism.Respond(DecodeChallenge(_continuation));
                }

                await WriteLineAsync(Convert.ToBase64String(response), token).ConfigureAwait(false);
            }

            return true;
        }, cancellationToken).ConfigureAwait(false);
        await AfterLoginAsync("(SASL)", mechanism.Name, cancellationToken).ConfigureAwait(false);
    }

    private async Task AfterLoginAsync(string userName, string mechanism, CancellationToken cancellationToken)
    {
        State = Pop3SessionState.Transaction;
        Pop3Log.Authenticated(_logger, _options.Host, userName, mechanism);
        await ReadCapabilitiesAsync(cancellationToken).ConfigureAwait(false);
    }

    private static byte[] DecodeChallenge(string text)
    {
        try
        {
            return Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            return Encoding.UTF8.GetBytes(text);
        }
    }

    private static void CheckNoLineBreaks(string value, string name)
    {
        if (value.Contains('\r', StringComparison.Ordinal) || value.Contains('\n', StringComparison.Ordinal))
        {
            throw new ArgumentException("POP3 arguments must not contain line breaks.", name);
        }
    }
}
