using System.Text;

namespace MailMesh.Protocols.Sasl;

/// <summary>
/// XOAUTH2 (Google/Microsoft): the user and an OAuth 2.0 bearer token. On failure the server sends a
/// JSON error as a challenge; the client answers with an empty message and the server then fails the command.
/// </summary>
public sealed class SaslXOAuth2 : SaslMechanism
{
    private readonly string _userName;
    private readonly string _accessToken;

    /// <summary>Creates the mechanism.</summary>
    public SaslXOAuth2(string userName, string accessToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(userName);
        ArgumentException.ThrowIfNullOrEmpty(accessToken);
        _userName = userName;
        _accessToken = accessToken;
    }

    /// <inheritdoc />
    public override string Name => "XOAUTH2";

    /// <inheritdoc />
    public override bool HasInitialResponse => true;

    /// <summary>The error document the server sent, when it rejected the token.</summary>
    public string? ServerError { get; private set; }

    /// <inheritdoc />
    public override byte[] GetInitialResponse()
    {
        IsComplete = true;
        return Encoding.UTF8.GetBytes("user=" + _userName + "\u0001auth=Bearer " + _accessToken + "\u0001\u0001");
    }

    /// <inheritdoc />
    public override byte[] Respond(ReadOnlySpan<byte> challenge)
    {
        ServerError = Encoding.UTF8.GetString(challenge);
        return [];
    }
}
