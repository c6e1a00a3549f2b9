using System.Text;

namespace MailMesh.Protocols.Sasl;

/// <summary>The obsolete but widespread SASL LOGIN mechanism: the user name, then the password, each on request.</summary>
public sealed class SaslLogin : SaslMechanism
{
    private readonly string _userName;
    private readonly string _password;
    private int _step;

    /// <summary>Creates the mechanism.</summary>
    public SaslLogin(string userName, string password)
    {
        ArgumentException.ThrowIfNullOrEmpty(userName);
        ArgumentNullException.ThrowIfNull(password);
        _userName = userName;
        _password = password;
    }

    /// <inheritdoc />
    public override string Name => "LOGIN";

    /// <inheritdoc />
    public override bool HasInitialResponse => false;

    /// <inheritdoc />
    public override byte[] GetInitialResponse() =>
        throw new InvalidOperationException("SASL LOGIN has no initial response; wait for the server's first challenge.");

    /// <inheritdoc />
    public override byte[] Respond(ReadOnlySpan<byte> challenge)
    {
        _step++;
        if (_step == 1)
        {
            return Encoding.UTF8.GetBytes(_userName);
        }

        IsComplete = true;
        return Encoding.UTF8.GetBytes(_password);
    }
}
