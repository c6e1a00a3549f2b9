namespace MailMesh.Protocols.Imap;

/// <summary>The IMAP connection is unusable: reconnect (see <see cref="MailProtocolException.IsTransient"/>).</summary>
public sealed class ImapProtocolException : MailProtocolException
{
    /// <summary>Creates the exception.</summary>
    public ImapProtocolException(ProtocolFailureKind kind, string message, Exception? innerException = null)
        : base(kind, message, innerException)
    {
    }

    internal static ImapProtocolException Malformed(string what) =>
        new(ProtocolFailureKind.MalformedResponse, "Malformed IMAP response: " + what + ".");
}

/// <summary>How the server completed a command.</summary>
public enum ImapResponseStatus
{
    /// <summary>Success.</summary>
    Ok,

    /// <summary>The command failed (e.g. no such mailbox, wrong password).</summary>
    No,

    /// <summary>The server did not understand the command or it is not allowed in this state.</summary>
    Bad,
}

/// <summary>The server answered NO or BAD to one command; the connection is still usable.</summary>
public sealed class ImapCommandException : MailCommandException
{
    private static readonly HashSet<string> TransientCodes = new(StringComparer.OrdinalIgnoreCase)
    {
        "UNAVAILABLE", "INUSE", "LIMIT", "SERVERBUG", "EXPUNGEISSUED",
    };

    /// <summary>Creates the exception.</summary>
    public ImapCommandException(string command, ImapResponseStatus status, ImapResponseCode? code, string text)
        : base(command, code?.Name, text, $"IMAP {command} failed: {status.ToString().ToUpperInvariant()} {(code is null ? string.Empty : "[" + code.Name + "] ")}{text}")
    {
        Status = status;
        Code = code;
    }

    /// <summary>NO or BAD.</summary>
    public ImapResponseStatus Status { get; }

    /// <summary>The parsed response code, if the server gave one.</summary>
    public ImapResponseCode? Code { get; }

    /// <inheritdoc />
    public override bool IsAuthenticationFailure =>
        string.Equals(ResponseCode, "AUTHENTICATIONFAILED", StringComparison.OrdinalIgnoreCase) ||
        (Status == ImapResponseStatus.No && Command is "LOGIN" or "AUTHENTICATE" && ResponseCode is null or "AUTHORIZATIONFAILED");

    /// <inheritdoc />
    public override bool IsTransient => ResponseCode is not null && TransientCodes.Contains(ResponseCode);
}
