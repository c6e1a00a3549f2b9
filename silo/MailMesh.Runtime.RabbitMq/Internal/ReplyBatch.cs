using System.Buffers;

namespace MailMesh.Runtime.RabbitMq.Internal;

/// <summary>An error answer: the exception's type (assembly-qualified), message and stack trace; the body carries its
/// own public properties (<see cref="RemoteErrors"/>).</summary>
internal sealed record ReplyError(string Type, string Message, string? StackTrace);

/// <summary>An answer waiting in a reply-to outbox, with the delivered batch it belongs to (acknowledged once all of
/// its answers are published).</summary>
internal sealed record OutgoingReply(string CorrelationId, ReplyError? Error, byte[] Body, DeliveredBatch Batch)
{
    /// <summary>About the bytes this answer adds to a reply batch.</summary>
    public int Size => Body.Length + CorrelationId.Length + 8 + (Error is null ? 0 : Error.Type.Length + Error.Message.Length + (Error.StackTrace?.Length ?? 0));
}

/// <summary>The body of a reply batch: a version byte, the number of answers, then per answer its correlation id, a
/// kind byte (0 result, 1 error), for an error its type, message and stack trace, and its body.</summary>
internal static class ReplyBatch
{
    /// <summary>The AMQP message type of a reply batch.</summary>
    public const string Kind = "reply-batch";

    public const string ContentType = "application/vnd.mailmesh.reply-batch";

    private const byte Version = 1;
    private const byte ResultKind = 0;
    private const byte ErrorKind = 1;

    public delegate void AnswerHandler(string correlationId, ReplyError? error, ReadOnlySpan<byte> body);

    public static byte[] Encode(IReadOnlyList<OutgoingReply> replies)
    {
        var buffer = new ArrayBufferWriter<byte>(64 + replies.Sum(r => r.Size));
        Wire.WriteByte(buffer, Version);
        Wire.WriteLength(buffer, replies.Count);
        foreach (var reply in replies)
        {
            Wire.WriteString(buffer, reply.CorrelationId);
            if (reply.Error is { } error)
            {
                Wire.WriteByte(buffer, ErrorKind);
                Wire.WriteString(buffer, error.Type);
                Wire.WriteString(buffer, error.Message);
                Wire.WriteString(buffer, error.StackTrace);
            }
            else
            {
                Wire.WriteByte(buffer, ResultKind);
            }

            Wire.WriteBytes(buffer, reply.Body);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Hands each answer of the batch to <paramref name="handler"/>, in order.</summary>
    /// <exception cref="FormatException">The batch is malformed; the answers before the bad one were handed over.</exception>
    public static void Read(ReadOnlySpan<byte> body, AnswerHandler handler)
    {
        var reader = new WireReader(body);
        var version = reader.ReadByte("version");
        if (version != Version)
        {
            throw new FormatException($"Reply batch version {version} is not supported (this silo reads version {Version}).");
        }

        var count = reader.ReadLength("answer count");
        for (var i = 0; i < count; i++)
        {
            var correlationId = reader.ReadString("correlation id");
            ReplyError? error = reader.ReadByte("answer kind") switch
            {
                ResultKind => null,
                ErrorKind => new ReplyError(reader.ReadString("error type"), reader.ReadString("error message"), reader.ReadOptionalString("stack trace")),
                var kind => throw new FormatException($"Answer {i} has the unknown kind {kind}."),
            };
            handler(correlationId, error, reader.ReadBytes("answer body"));
        }
    }
}
