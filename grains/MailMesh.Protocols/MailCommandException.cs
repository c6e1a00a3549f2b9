namespace MailMesh.Protocols;

/// <summary>
/// The server refused one command (IMAP NO/BAD, POP3 -ERR); the connection is still usable. The base of
/// <c>ImapCommandException</c> and <c>Pop3CommandException</c>.
/// </summary>
public abstract class MailCommandException : Exception
{
    /// <summary>Creates the exception.</summary>
    protected MailCommandException(string command, string? responseCode, string responseText, string message)
        : base(message)
    {
        Command = command;
        ResponseCode = responseCode;
        ResponseText = responseText;
    }

    /// <summary>The command the server refused (its name only; never its arguments, which may hold secrets).</summary>
    public string Command { get; }

    /// <summary>The response code the server gave (IMAP <c>[CODE]</c>, POP3 <c>[CODE]</c> from RESP-CODES), if any.</summary>
    public string? ResponseCode { get; }

    /// <summary>The human-readable text the server gave.</summary>
    public string ResponseText { get; }

    /// <summary>True when the credentials were rejected.</summary>
    public abstract bool IsAuthenticationFailure { get; }

    /// <summary>True when the same command may succeed later without any change (server busy, mailbox in use).</summary>
    public abstract bool IsTransient { get; }
}
