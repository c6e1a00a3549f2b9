using System.Text;

namespace MailMesh.Protocols.Sasl;

/// <summary>SASL PLAIN (RFC 4616): authorization id, user name and password in one message. Use over TLS.</summary>
public sealed class SaslPlain : SaslMechanism
{
    private readonly string _userName;
    private readonly string _password;
    private readonly string _authorizationId;

    /// <summary>Creates the mechanism; <paramref name="authorizationId"/> is empty to act as the user itself.</summary>
    public SaslPlain(string userName, string password, string authorizationId = "")
    {
        ArgumentException.ThrowIfNullOrEmpty(userName);
        ArgumentNullException.ThrowIfNull(password);
        _userName = userName;
        _password = password;
        _authorizationId = authorizationId ?? string.Empty;
    }

    /// <inheritdoc />
    public override string Name => "PLAIN";

    /// <inheritdoc />
    public override bool HasInitialResponse => true;

    /// <inheritdoc />
    public override byte[] GetInitialResponse()
    {
        IsComplete = true;
        return Encoding.UTF8.GetBytes(_authorizationId + "\0" + _userName + "\0" + _password);
    }

    /// <inheritdoc />
    public override byte[] Respond(ReadOnlySpan<byte> challenge) => GetInitialResponse();
}
