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
