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
        AddAppendArguments(builder, options);
        addLiteral(builder);
        var command = await ExecuteAsync(builder.Build(), cancellationToken).ConfigureAwait(false);
        return command.Code?.AppendUid;
    }

    /// <summary>
    /// APPENDs many messages: in one MULTIAPPEND command per batch (RFC 3502) when offered, else as
    /// pipelined APPENDs with LITERAL+, else one by one. Returns each message's UID in order when the
    /// server has UIDPLUS, else an empty list.
    /// </summary>
    public async Task<IReadOnlyList<ImapAppendResult>> AppendManyAsync(
        string mailbox, IReadOnlyList<ReadOnlyMemory<byte>> messages, ImapAppendOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(mailbox);
        ArgumentNullException.ThrowIfNull(messages);
        if (messages.Any(m => m.IsEmpty))
        {
            throw new ArgumentException("An IMAP APPEND needs non-empty messages.", nameof(messages));
        }

        using var scope = BeginOperation("APPEND", ImapSessionState.Authenticated, ImapSessionState.Selected);
        var commands = new List<ImapCommand>();
        const int MaxBatchBytes = 8 * 1024 * 1024;
        var index = 0;
        while (index < messages.Count)
        {
            var builder = Command("APPEND").Atom("APPEND").Mailbox(mailbox);
            long bytes = 0;
            do
            {
                AddAppendArguments(builder, options);
                builder.Literal(messages[index]);
                bytes += messages[index].Length;
                index++;
            }
            while (Capabilities.MultiAppend && index < messages.Count && bytes < MaxBatchBytes);

            commands.Add(builder.Build());
        }

        await RunAsync(commands, Capabilities.LiteralPlus ? _options.MaxPipelinedCommands : 1, cancellationToken).ConfigureAwait(false);
        var results = new List<ImapAppendResult>(messages.Count);
        foreach (var command in commands)
        {
            command.ThrowIfFailed();
            if (command.Code?.AppendUids is { } uids && !uids.IsOpenEnded)
            {
                results.AddRange(uids.Select(uid => new ImapAppendResult(command.Code.AppendUid!.UidValidity, uid)));
            }
        }

        return results.Count == messages.Count ? results : [];
    }

    private static void AddAppendArguments(ImapCommandBuilder builder, ImapAppendOptions? options)
    {
        if (options is { Flags.Count: > 0 })
        {
            builder.Atom("(" + string.Join(' ', options.Flags) + ")");
        }

        if (options?.InternalDate is { } date)
        {
            builder.Atom("\"" + ImapDate.Format(date) + "\"");
        }
    }
}
