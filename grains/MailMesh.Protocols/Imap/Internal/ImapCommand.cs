namespace MailMesh.Protocols.Imap.Internal;

/// <summary>A piece of a command: text up to and including a literal header (or the final CRLF), then the literal.</summary>
internal sealed class ImapCommandSegment
{
    public ImapCommandSegment(byte[] text)
    {
        Text = text;
    }

    public byte[] Text { get; }

    public ReadOnlyMemory<byte> Literal { get; init; }

    public Stream? LiteralStream { get; init; }

    public long LiteralLength { get; init; }

    public bool HasLiteral { get; init; }

    /// <summary>True for <c>{n}</c>: wait for the server's "+" before sending the literal.</summary>
    public bool Synchronizing { get; init; }
}

/// <summary>One tagged command in flight and, once the server answered, its completion.</summary>
internal sealed class ImapCommand
{
    public ImapCommand(string name, IReadOnlyList<ImapCommandSegment> segments)
    {
        Name = name;
        Segments = segments;
    }

    public string Name { get; }

    public IReadOnlyList<ImapCommandSegment> Segments { get; }

    public byte[] Tag { get; set; } = [];

    public ImapResponseStatus? Status { get; private set; }

    public ImapResponseCode? Code { get; private set; }

    public string Text { get; private set; } = string.Empty;

    /// <summary>Response codes from untagged OK responses while this command ran (COPYUID during MOVE).</summary>
    public List<ImapResponseCode> UntaggedCodes { get; } = [];

    /// <summary>Answers a "+" continuation that is not a literal request (AUTHENTICATE).</summary>
    public Func<string, CancellationToken, ValueTask>? OnContinuation { get; init; }

    public bool IsComplete => Status is not null;

    public void Complete(ImapResponseStatus status, ImapResponseCode? code, string text)
    {
        Status = status;
        Code = code;
        Text = text;
    }

    public void ThrowIfFailed()
    {
        if (Status is { } status && status != ImapResponseStatus.Ok)
        {
            throw new ImapCommandException(Name, status, Code, Text);
        }
    }
}
