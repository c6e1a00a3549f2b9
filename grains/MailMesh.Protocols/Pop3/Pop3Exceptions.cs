namespace MailMesh.Protocols.Pop3;

/// <summary>The POP3 connection is unusable: reconnect (see <see cref="MailProtocolException.IsTransient"/>).</summary>
public sealed class Pop3ProtocolException : MailProtocolException
{
    /// <summary>Creates the exception.</summary>
    public Pop3ProtocolException(ProtocolFailureKind kind, string message, Exception? innerException = null)
        : base(kind, message, innerException)
    {
    }

    internal static Pop3ProtocolException Malformed(string what) =>
        new(ProtocolFailureKind.MalformedResponse, "Malformed POP3 response: " + what + ".");
}

/// <summary>The server answered -ERR to one command; the connection is still usable.</summary>
public sealed class Pop3CommandException : MailCommandException
{
    /// <summary>Creates the exception.</summary>
    public Pop3CommandException(string command, string? responseCode, string text)
        : base(command, responseCode, text, $"POP3 {command} failed: -ERR {(responseCode is null ? string.Empty : "[" + responseCode + "] ")}{text}")
    {
    }

    /// <inheritdoc />
    public override bool IsAuthenticationFailure =>
        string.Equals(ResponseCode, "AUTH", StringComparison.OrdinalIgnoreCase) ||
        (ResponseCode is null && Command is "PASS" or "APOP" or "AUTH");

    /// <inheritdoc />
    public override bool IsTransient => ResponseCode is not null &&
        (ResponseCode.Equals("IN-USE", StringComparison.OrdinalIgnoreCase) ||
         ResponseCode.Equals("LOGIN-DELAY", StringComparison.OrdinalIgnoreCase) ||
         ResponseCode.StartsWith("SYS/TEMP", StringComparison.OrdinalIgnoreCase));
}
