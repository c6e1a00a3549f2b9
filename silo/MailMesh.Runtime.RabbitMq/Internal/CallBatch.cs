using System.Buffers;
using System.Diagnostics;
using MailMesh.Runtime.Diagnostics;
using MailMesh.Runtime.Invocation;

namespace MailMesh.Runtime.RabbitMq.Internal;

/// <summary>A call waiting in a shard's outbox: its encoded envelope, the correlation id its answer will carry and how
/// long the caller waits (the batch's expiration is the longest of its calls).</summary>
internal sealed record OutgoingCall(string CorrelationId, byte[] Envelope, long TimeoutMilliseconds);

/// <summary>One call as it travels inside a batch: its own message id (the de-duplication key), correlation id, grain,
/// method, attempt, trace context and JSON arguments.</summary>
internal sealed class CallEnvelope
{
    public required string MessageId { get; init; }

    public required string CorrelationId { get; init; }

    public required string GrainType { get; init; }

    public required string GrainKey { get; init; }

    public required int MethodId { get; init; }

    public required int Attempt { get; init; }

    public string? TraceParent { get; init; }

    public string? TraceState { get; init; }

    /// <summary>The arguments as a JSON array (<see cref="MessageCodec"/>).</summary>
    public required ReadOnlyMemory<byte> Arguments { get; init; }

    /// <summary>The trace context the caller sent; default when none or malformed.</summary>
    public ActivityContext TraceContext =>
        TraceParent is not null && ActivityContext.TryParse(TraceParent, TraceState, isRemote: true, out var context) ? context : default;

    /// <summary>Encodes a call with the current trace context: the envelope fields, then the arguments up to the end
    /// of the envelope.</summary>
    public static byte[] Encode(string messageId, string correlationId, GrainId grain, GrainRequest request, MessageCodec codec) =>
        Encode(messageId, correlationId, grain, request.Method.Id, attempt: 1, Activity.Current?.Context ?? default, buffer => codec.WriteArguments(buffer, request));

    public static byte[] Encode(string messageId, string correlationId, GrainId grain, int methodId, int attempt, ActivityContext trace, Action<IBufferWriter<byte>> writeArguments)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        Wire.WriteString(buffer, messageId);
        Wire.WriteString(buffer, correlationId);
        Wire.WriteString(buffer, grain.Type);
        Wire.WriteString(buffer, grain.Key);
        Wire.WriteInt32(buffer, methodId);
        Wire.WriteLength(buffer, attempt);
        Wire.WriteString(buffer, trace == default ? null : GrainTracing.FormatTraceParent(trace));
        Wire.WriteString(buffer, trace == default ? null : trace.TraceState);
        writeArguments(buffer);
        return buffer.WrittenSpan.ToArray();
    }

    /// <exception cref="FormatException">The envelope is truncated or malformed.</exception>
    public static CallEnvelope Read(ReadOnlyMemory<byte> envelope)
    {
        var reader = new WireReader(envelope.Span);
        var messageId = reader.ReadString("message id");
        var correlationId = reader.ReadString("correlation id");
        var grainType = reader.ReadString("grain type");
        var grainKey = reader.ReadString("grain key");
        var methodId = reader.ReadInt32("method id");
        var attempt = reader.ReadLength("attempt");
        var traceParent = reader.ReadOptionalString("traceparent");
        var traceState = reader.ReadOptionalString("tracestate");
        if (messageId.Length == 0 || grainType.Length == 0)
        {
            throw new FormatException("The envelope has no message id or no grain type.");
        }

        return new CallEnvelope
        {
            MessageId = messageId,
            CorrelationId = correlationId,
            GrainType = grainType,
            GrainKey = grainKey,
            MethodId = methodId,
            Attempt = attempt,
            TraceParent = traceParent,
            TraceState = traceState,
            Arguments = envelope[reader.Position..],
        };
    }
}

/// <summary>The body of a call batch: a version byte, the number of calls, then each call's envelope prefixed with its
/// length — so one unreadable envelope can be dead-lettered on its own while the others run.</summary>
internal static class CallBatch
{
    /// <summary>The AMQP message type of a call batch.</summary>
    public const string Kind = "call-batch";

    public const string ContentType = "application/vnd.mailmesh.call-batch";

    private const byte Version = 1;

    /// <summary>The bytes a call adds to a batch besides its envelope (the length prefix).</summary>
    public static int Overhead(int envelopeLength) => Wire.LengthSize(envelopeLength);

    public static byte[] Encode(IReadOnlyList<OutgoingCall> calls) => Encode(calls.Count, i => calls[i].Envelope);

    /// <summary>A batch of one: how a single call goes to the dead-letter queue.</summary>
    public static byte[] EncodeSingle(ReadOnlyMemory<byte> envelope) => Encode(1, _ => envelope.Span);

    /// <summary>Splits a batch into its envelopes (slices of <paramref name="body"/>).</summary>
    /// <exception cref="FormatException">The framing is unreadable (then no call of it can be trusted).</exception>
    public static List<ReadOnlyMemory<byte>> Split(ReadOnlyMemory<byte> body)
    {
        var reader = new WireReader(body.Span);
        var version = reader.ReadByte("version");
        if (version != Version)
        {
            throw new FormatException($"Call batch version {version} is not supported (this silo reads version {Version}).");
        }

        var count = reader.ReadLength("call count");
        if (count > body.Length)
        {
            throw new FormatException($"The call count {count} exceeds what {body.Length} bytes can hold.");
        }

        var envelopes = new List<ReadOnlyMemory<byte>>(count);
        for (var i = 0; i < count; i++)
        {
            var length = reader.ReadBytes("envelope").Length;
            envelopes.Add(body.Slice(reader.Position - length, length));
        }

        if (!reader.AtEnd)
        {
            throw new FormatException($"The batch has {body.Length - reader.Position} bytes after its {count} calls.");
        }

        return envelopes;
    }

    private delegate ReadOnlySpan<byte> EnvelopeAt(int index);

    private static byte[] Encode(int count, EnvelopeAt envelopeAt)
    {
        var size = 1 + Wire.LengthSize(count);
        for (var i = 0; i < count; i++)
        {
            var length = envelopeAt(i).Length;
            size += Wire.LengthSize(length) + length;
        }

        var body = new byte[size];
        body[0] = Version;
        var position = 1 + Wire.WriteLength(body.AsSpan(1), count);
        for (var i = 0; i < count; i++)
        {
            var envelope = envelopeAt(i);
            position += Wire.WriteLength(body.AsSpan(position), envelope.Length);
            envelope.CopyTo(body.AsSpan(position));
            position += envelope.Length;
        }

        return body;
    }
}
