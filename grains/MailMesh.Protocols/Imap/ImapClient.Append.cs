using MailMesh.Protocols.Imap.Internal;

namespace MailMesh.Protocols.Imap;

/// <summary>APPEND (with flags and internal date; literal or LITERAL+).</summary>
public sealed partial class ImapClient
{
    /// <summary>APPEND a raw RFC 5322 message held in memory; returns its UID when the server has UIDPLUS.</summary>
    public Task<ImapAppendResult?> AppendAsync(string mailbox, ReadOnlyMemory<byte> message, ImapAppendOptions? options = null, CancellationToken cancellationToken = default) =>
        AppendCoreAsync(mailbox, b => b.Literal(message), message.Length, options, cancellationToken);

    /// <summary>
    /// APPEND a raw message streamed from <paramref name="message"/>: <paramref name="length"/> bytes, or
    /// the rest of a seekable stream when null. The stream is not disposed.
    /// </summary>
    public Task<ImapAppendResult?> AppendAsync(string mailbox, Stream message, long? length = null, ImapAppendOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var size = length ?? (message.CanSeek
            ? message.Length - message.Position
            : throw new ArgumentException("Give the length of a non-seekable message stream (IMAP literals announce their size first).", nameof(length)));
        return AppendCoreAsync(mailbox, b => b.Literal(message, size), size, options, cancellationToken);
    }

    private async Task<ImapAppendResult?> AppendCoreAsync(
        string mailbox, Action<ImapCommandBuilder> addLiteral, long length, ImapAppendOptions? options, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(mailbox);
        if (length == 0)
        {
            throw new ArgumentException("An IMAP APPEND needs a non-empty message.", nameof(length));
        }

        using var scope = BeginOperation("APPEND", ImapSessionState.Authenticated, ImapSessionState.Selected);
        var builder = Command("APPEND").Atom("APPEND").Mailbox(mailbox);
        if (options is { Flags.Count: > 0 })
        {
            builder.Atom("(" + string.Join(' ', options.Flags) + ")");
        }

        if (options?.InternalDate is { } date)
        {
            builder.Atom("\"" + ImapDate.Format(date) + "\"");
        }

        addLiteral(builder);
        var command = await ExecuteAsync(builder.Build(), cancellationToken).ConfigureAwait(false);
        return command.Code?.AppendUid;
    }
}
