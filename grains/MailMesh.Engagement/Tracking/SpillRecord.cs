using System.Buffers.Binary;
using System.Numerics;
using System.Text;
using MailMesh.Grains.Engagement;

namespace MailMesh.Engagement.Tracking;

/// <summary>The framing of one hit in the spill journal: <c>[payload length u32][CRC-32C of the payload u32][payload]</c>,
/// little-endian. The payload is a format byte, then the hit's fields in <see cref="HitRecord"/> order; strings are a
/// byte length (-1 for null) and UTF-8, instants are UTC ticks.</summary>
internal static class SpillRecord
{
    /// <summary>Bytes before the payload.</summary>
    public const int HeaderSize = 8;

    /// <summary>Largest payload a record may have; a longer length is corruption (a hit is a few hundred bytes: the user
    /// agent is cut at 512 characters and the request line at 8 KB).</summary>
    public const int MaxPayload = 64 * 1024;

    private const byte Format = 1;

    /// <summary>The framed size of <paramref name="hit"/>.</summary>
    public static int SizeOf(HitRecord hit) =>
        HeaderSize + 1 + 16 + 1 + Size(hit.Tenant) + Size(hit.CampaignId) + Size(hit.Contact) + 4 + Size(hit.Target) + 8 + 8
        + Size(hit.Ip) + Size(hit.UserAgent) + 1 + Size(hit.Reason);

    /// <summary>Writes <paramref name="hit"/> framed into <paramref name="destination"/>, exactly <see cref="SizeOf"/> bytes.</summary>
    public static void Write(HitRecord hit, Span<byte> destination)
    {
        var payload = destination[HeaderSize..];
        var at = 0;
        payload[at++] = Format;
        hit.Id.TryWriteBytes(payload.Slice(at, 16));
        at += 16;
        payload[at++] = (byte)hit.Kind;
        at += WriteString(hit.Tenant, payload[at..]);
        at += WriteString(hit.CampaignId, payload[at..]);
        at += WriteString(hit.Contact, payload[at..]);
        BinaryPrimitives.WriteInt32LittleEndian(payload[at..], hit.LinkIndex);
        at += 4;
        at += WriteString(hit.Target, payload[at..]);
        BinaryPrimitives.WriteInt64LittleEndian(payload[at..], hit.At.UtcTicks);
        at += 8;
        BinaryPrimitives.WriteInt64LittleEndian(payload[at..], hit.IssuedAt.UtcTicks);
        at += 8;
        at += WriteString(hit.Ip, payload[at..]);
        at += WriteString(hit.UserAgent, payload[at..]);
        payload[at++] = hit.Machine ? (byte)1 : (byte)0;
        at += WriteString(hit.Reason, payload[at..]);
        BinaryPrimitives.WriteUInt32LittleEndian(destination, (uint)at);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], Checksum(payload[..at]));
    }

    /// <summary>Reads the record at the start of <paramref name="source"/>.</summary>
    /// <returns>The record's framed size; 0 when <paramref name="source"/> ends inside it (more bytes needed, or a torn
    /// tail); -1 when it is corrupt (impossible length, checksum or field mismatch).</returns>
    public static int TryRead(ReadOnlySpan<byte> source, out HitRecord? hit)
    {
        hit = null;
        if (source.Length < HeaderSize)
        {
            return 0;
        }

        var length = BinaryPrimitives.ReadUInt32LittleEndian(source);
        if (length is 0 or > MaxPayload)
        {
            return -1;
        }

        if (source.Length < HeaderSize + (int)length)
        {
            return 0;
        }

        var payload = source.Slice(HeaderSize, (int)length);
        if (Checksum(payload) != BinaryPrimitives.ReadUInt32LittleEndian(source[4..]))
        {
            return -1;
        }

        try
        {
            hit = Parse(payload);
            return HeaderSize + (int)length;
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or IndexOutOfRangeException or DecoderFallbackException or FormatException)
        {
            return -1;
        }
    }

    /// <summary>CRC-32C (Castagnoli) of <paramref name="data"/>, with the processor's instruction where there is one.</summary>
    public static uint Checksum(ReadOnlySpan<byte> data)
    {
        var crc = uint.MaxValue;
        while (data.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }

        foreach (var b in data)
        {
            crc = BitOperations.Crc32C(crc, b);
        }

        return ~crc;
    }

    private static HitRecord Parse(ReadOnlySpan<byte> payload)
    {
        var at = 0;
        if (payload[at++] != Format)
        {
            throw new FormatException("Unknown spill record format.");
        }

        var id = new Guid(payload.Slice(at, 16));
        at += 16;
        var kind = (HitKind)payload[at++];
        var tenant = ReadString(payload, ref at) ?? throw new FormatException("A spill record has no tenant.");
        var campaign = ReadString(payload, ref at) ?? throw new FormatException("A spill record has no campaign.");
        var contact = ReadString(payload, ref at) ?? throw new FormatException("A spill record has no contact.");
        var link = BinaryPrimitives.ReadInt32LittleEndian(payload[at..]);
        at += 4;
        var target = ReadString(payload, ref at);
        var when = new DateTimeOffset(BinaryPrimitives.ReadInt64LittleEndian(payload[at..]), TimeSpan.Zero);
        at += 8;
        var issued = new DateTimeOffset(BinaryPrimitives.ReadInt64LittleEndian(payload[at..]), TimeSpan.Zero);
        at += 8;
        var ip = ReadString(payload, ref at);
        var agent = ReadString(payload, ref at);
        var machine = payload[at++] != 0;
        var reason = ReadString(payload, ref at);
        if (at != payload.Length)
        {
            throw new FormatException("A spill record has bytes after its last field.");
        }

        return new HitRecord(id, kind, tenant, campaign, contact, link, target, when, issued, ip, agent, machine, reason);
    }

    private static int Size(string? value) => 4 + (value is null ? 0 : Encoding.UTF8.GetByteCount(value));

    private static int WriteString(string? value, Span<byte> destination)
    {
        if (value is null)
        {
            BinaryPrimitives.WriteInt32LittleEndian(destination, -1);
            return 4;
        }

        var length = Encoding.UTF8.GetBytes(value, destination[4..]);
        BinaryPrimitives.WriteInt32LittleEndian(destination, length);
        return 4 + length;
    }

    private static string? ReadString(ReadOnlySpan<byte> payload, ref int at)
    {
        var length = BinaryPrimitives.ReadInt32LittleEndian(payload[at..]);
        at += 4;
        if (length == -1)
        {
            return null;
        }

        var value = Strict.GetString(payload.Slice(at, length));
        at += length;
        return value;
    }

    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
}
