using System.Buffers;
using System.Text;
using MailMesh.Protocols.Imap.Internal;
using MailMesh.Protocols.Sasl;

namespace MailMesh.Protocols.Imap;

/// <summary>Authentication (LOGIN, AUTHENTICATE with SASL) and session housekeeping (ID, ENABLE, NOOP, LOGOUT).</summary>
public sealed partial class ImapClient
{
    /// <summary>
    /// Logs in with the best method the server offers: SASL PLAIN, else LOGIN, else SASL LOGIN. Wrong
    /// credentials throw <see cref="ImapCommandException"/> with <see cref="MailCommandException.IsAuthenticationFailure"/>.
    /// </summary>
    public Task AuthenticateAsync(string userName, string password, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userName);
        ArgumentNullException.ThrowIfNull(password);
        var mechanisms = Capabilities.AuthenticationMechanisms;
        if (mechanisms.Contains("PLAIN"))
        {
            return AuthenticateAsync(new SaslPlain(userName, password), cancellationToken);
        }

        if (!Capabilities.LoginDisabled)
        {
            return LoginAsync(userName, password, cancellationToken);
        }

        if (mechanisms.Contains("LOGIN"))
        {
            return AuthenticateAsync(new SaslLogin(userName, password), cancellationToken);
        }

        throw new NotSupportedException($"The IMAP server {_options.Host} offers no password login (LOGINDISABLED, and neither AUTH=PLAIN nor AUTH=LOGIN); connect with TLS.");
    }

    /// <summary>The LOGIN command (RFC 3501 6.2.3).</summary>
    public async Task LoginAsync(string userName, string password, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userName);
        ArgumentNullException.ThrowIfNull(password);
        using var scope = BeginOperation("LOGIN", ImapSessionState.NotAuthenticated);
        if (Capabilities.LoginDisabled)
        {
            throw new NotSupportedException($"The IMAP server {_options.Host} advertises LOGINDISABLED; use TLS or AuthenticateAsync with a SASL mechanism.");
        }

        var command = Command("LOGIN").Atom("LOGIN").QuotedOrLiteral(userName).QuotedOrLiteral(password).Build();
        await ExecuteAsync(command, cancellationToken).ConfigureAwait(false);
        await AfterLoginAsync(command, userName, "LOGIN", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>AUTHENTICATE with a SASL mechanism (PLAIN, LOGIN, XOAUTH2, ...), with SASL-IR when offered.</summary>
    public async Task AuthenticateAsync(SaslMechanism mechanism, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(mechanism);
        using var scope = BeginOperation("AUTHENTICATE", ImapSessionState.NotAuthenticated);
        var builder = Command("AUTHENTICATE").Atom("AUTHENTICATE").Atom(mechanism.Name);
        var sentInitial = false;
        if (mechanism.HasInitialResponse && Capabilities.SaslInitialResponse)
        {
            var initial = mechanism.GetInitialResponse();
            builder.Atom(initial.Length == 0 ? "=" : Convert.ToBase64String(initial));
            sentInitial = true;
        }

        var command = builder.Build(async (text, token) =>
        {
            byte[] response;
            if (mechanism.HasInitialResponse && !sentInitial)
            {
                sentInitial = true;
                response = mechanism.GetInitialResponse();
            }
            else
            {
                byte[] challenge;
                try
                {
                    challenge = Convert.FromBase64String(text.Trim());
                }
                catch (FormatException)
                {
                    challenge = Encoding.UTF8.GetBytes(text);
                }

                response = mechanism.Respond(challenge);
            }

            _out.Write(Encoding.ASCII.GetBytes(Convert.ToBase64String(response) + "\r\n"));
            await ValueTask.CompletedTask.ConfigureAwait(false);
        });
        await ExecuteAsync(command, cancellationToken).ConfigureAwait(false);
        await AfterLoginAsync(command, "(SASL)", mechanism.Name, cancellationToken).ConfigureAwait(false);
    }

    private async Task AfterLoginAsync(ImapCommand command, string userName, string mechanism, CancellationToken cancellationToken)
    {
        State = ImapSessionState.Authenticated;
        ImapLog.Authenticated(_logger, _options.Host, userName, mechanism);
        if (command.Code?.Name != "CAPABILITY")
        {
            // Capabilities usually grow after login; refresh them unless the OK carried them.
            await ExecuteAsync(Command("CAPABILITY").Atom("CAPABILITY").Build(), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>ID (RFC 2971): sends the client's identity (default <see cref="ImapClientOptions.ClientId"/>) and returns the server's.</summary>
    public async Task<IReadOnlyDictionary<string, string?>> IdentifyAsync(IReadOnlyDictionary<string, string?>? clientId = null, CancellationToken cancellationToken = default)
    {
        using var scope = BeginOperation("ID", ImapSessionState.NotAuthenticated, ImapSessionState.Authenticated, ImapSessionState.Selected);
        if (!Capabilities.Id)
        {
            throw new NotSupportedException($"The IMAP server {_options.Host} does not support ID (RFC 2971).");
        }

        var builder = Command("ID").Atom("ID");
        var values = clientId ?? _options.ClientId;
        if (values.Count == 0)
        {
            builder.Atom("NIL");
        }
        else
        {
            builder.Atom("(").NoSpace();
            foreach (var (key, value) in values)
            {
                builder.QuotedOrLiteral(key);
                if (value is null)
                {
                    builder.Atom("NIL");
                }
                else
                {
                    builder.QuotedOrLiteral(value);
                }
            }

            builder.NoSpace().Atom(")");
        }

        var server = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        _untaggedHandler = async (kind, token) =>
        {
            if (kind != UntaggedKind.Id)
            {
                return false;
            }

            var reader = _reader!;
            var open = await reader.ReadTokenAsync(token).ConfigureAwait(false);
            if (open.Kind == ImapTokenKind.OpenParen)
            {
                while ((await reader.PeekTokenAsync(token).ConfigureAwait(false)).Kind != ImapTokenKind.CloseParen)
                {
                    var key = await ImapParser.ReadNStringAsync(reader, "ID key", token).ConfigureAwait(false) ?? string.Empty;
                    server[key] = await ImapParser.ReadNStringAsync(reader, "ID value", token).ConfigureAwait(false);
                }

                await reader.ReadTokenAsync(token).ConfigureAwait(false);
            }

            await ImapParser.ExpectEolAsync(reader, "ID", token).ConfigureAwait(false);
            return true;
        };
        try
        {
            await ExecuteAsync(builder.Build(), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _untaggedHandler = null;
        }

        return server;
    }

    /// <summary>ENABLE (RFC 5161), e.g. <c>QRESYNC</c> or <c>CONDSTORE</c>; returns what the server enabled.</summary>
    public async Task<IReadOnlySet<string>> EnableAsync(IEnumerable<string> extensions, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(extensions);
        using var scope = BeginOperation("ENABLE", ImapSessionState.Authenticated);
        if (!Capabilities.Enable)
        {
            throw new NotSupportedException($"The IMAP server {_options.Host} does not support ENABLE (RFC 5161).");
        }

        var builder = Command("ENABLE").Atom("ENABLE");
        var before = new HashSet<string>(_enabled, StringComparer.OrdinalIgnoreCase);
        foreach (var extension in extensions)
        {
            builder.Atom(extension);
        }

        await ExecuteAsync(builder.Build(), cancellationToken).ConfigureAwait(false);
        var now = new HashSet<string>(_enabled.Except(before, StringComparer.OrdinalIgnoreCase), StringComparer.OrdinalIgnoreCase);
        return now;
    }

    /// <summary>NOOP: lets the server report pending changes (raised as events) and keeps the connection alive.</summary>
    public async Task NoopAsync(CancellationToken cancellationToken = default)
    {
        using var scope = BeginOperation("NOOP", ImapSessionState.NotAuthenticated, ImapSessionState.Authenticated, ImapSessionState.Selected);
        await ExecuteAsync(Command("NOOP").Atom("NOOP").Build(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>LOGOUT, then closes the connection; the state becomes <see cref="ImapSessionState.Disconnected"/>.</summary>
    public async Task LogoutAsync(CancellationToken cancellationToken = default)
    {
        using var scope = BeginOperation("LOGOUT", ImapSessionState.NotAuthenticated, ImapSessionState.Authenticated, ImapSessionState.Selected);
        await ExecuteAsync(Command("LOGOUT").Atom("LOGOUT").Build(), cancellationToken).ConfigureAwait(false);
        CloseTransport();
        Selected = null;
        State = ImapSessionState.Disconnected;
    }
}
