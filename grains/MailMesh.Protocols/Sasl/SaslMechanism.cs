namespace MailMesh.Protocols.Sasl;

/// <summary>
/// A client-side SASL mechanism (RFC 4422) used by IMAP AUTHENTICATE and POP3 AUTH. One instance
/// serves one authentication exchange.
/// </summary>
public abstract class SaslMechanism
{
    /// <summary>The mechanism name as advertised by servers (e.g. <c>PLAIN</c>).</summary>
    public abstract string Name { get; }

    /// <summary>Whether the first client message can be sent with the command (SASL-IR).</summary>
    public abstract bool HasInitialResponse { get; }

    /// <summary>True once the client has nothing more to send.</summary>
    public bool IsComplete { get; protected set; }

    /// <summary>The first client message, sent before any challenge (only when <see cref="HasInitialResponse"/>).</summary>
    public abstract byte[] GetInitialResponse();

    /// <summary>The answer to one server challenge (already base64-decoded).</summary>
    public abstract byte[] Respond(ReadOnlySpan<byte> challenge);
}
