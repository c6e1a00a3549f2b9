using MailMesh.Protocols.Imap;

namespace MailMesh.Protocols.Tests.Support;

/// <summary>An <see cref="IImapFetchSink"/> that keeps bodies by UID (in memory; the tests' messages are small).</summary>
internal sealed class CollectingSink : IImapFetchSink
{
    private readonly Dictionary<uint, MemoryStream> _open = [];

    public Dictionary<uint, byte[]> Bodies { get; } = [];

    public List<ImapFetchedMessage> Messages { get; } = [];

    public List<ImapBodyPart> Parts { get; } = [];

    public ValueTask<Stream?> OpenBodyAsync(ImapBodyPart part, CancellationToken cancellationToken)
    {
        Parts.Add(part);
        var stream = new MemoryStream();
        _open[part.Uid ?? throw new InvalidOperationException($"Body of message {part.SequenceNumber} arrived before its UID.")] = stream;
        return ValueTask.FromResult<Stream?>(stream);
    }

    public ValueTask MessageFetchedAsync(ImapFetchedMessage message, CancellationToken cancellationToken)
    {
        Messages.Add(message);
        if (message.Uid is { } uid && _open.Remove(uid, out var stream))
        {
            Bodies[uid] = stream.ToArray();
        }

        return ValueTask.CompletedTask;
    }
}
