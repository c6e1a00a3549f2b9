namespace MailMesh.Protocols.Smtp;

/// <summary>The SMTP connection is unusable: reconnect (see <see cref="MailProtocolException.IsTransient"/>).</summary>
public sealed class SmtpProtocolException : MailProtocolException
{
    /// <summary>Creates the exception.</summary>
    public SmtpProtocolException(ProtocolFailureKind kind, string message, Exception? innerException = null)
        : base(kind, message, innerException)
    {
    }

    internal static SmtpProtocolException Malformed(string what) =>
        new(ProtocolFailureKind.MalformedResponse, "Malformed SMTP reply: " + what + ".");
}

/// <summary>The server refused one command with a 4xx or 5xx reply; the connection is still usable.</summary>
public sealed class SmtpCommandException : MailCommandException
{
    /// <summary>Creates the exception.</summary>
    public SmtpCommandException(string command, int code, string? enhancedCode, string text)
        : base(command, enhancedCode, text, $"SMTP {command} failed: {code} {(enhancedCode is null ? string.Empty : enhancedCode + " ")}{text}")
    {
        Code = code;
    }

    /// <summary>The three-digit reply code.</summary>
    public int Code { get; }

    /// <inheritdoc />
    public override bool IsAuthenticationFailure => Code is 535 or 534 || (Command == "AUTH" && Code >= 500);

    /// <inheritdoc />
    public override bool IsTransient => Code is >= 400 and < 500;
}

/// <summary>Why a message cannot be sent through a given server (checked before anything is sent).</summary>
public enum SmtpMessageProblem
{
    /// <summary>Larger than the server's SIZE limit.</summary>
    TooLarge,

    /// <summary>8-bit content and the server does not offer 8BITMIME.</summary>
    EightBitNotSupported,

    /// <summary>Non-ASCII addresses or headers and the server does not offer SMTPUTF8.</summary>
    SmtpUtf8NotSupported,

    /// <summary>A line longer than 998 octets (RFC 5321 section 4.5.3.1.6, RFC 5322 section 2.1.1).</summary>
    LineTooLong,

    /// <summary>A NUL octet, which SMTP DATA cannot carry (RFC 5321 section 4.5.2).</summary>
    NulOctet,
}

/// <summary>
/// The message cannot be sent through this server as it is; nothing was sent and the session is still usable. Long lines
/// are refused rather than re-encoded: the message may be DKIM-signed, and rewriting it would break the signature, so the
/// producer must encode long lines (quoted-printable or base64) before signing.
/// </summary>
public sealed class SmtpMessageException : ArgumentException
{
    /// <summary>Creates the exception.</summary>
    public SmtpMessageException(SmtpMessageProblem problem, string message)
        : base(message)
    {
        Problem = problem;
    }

    /// <summary>What is wrong.</summary>
    public SmtpMessageProblem Problem { get; }
}
