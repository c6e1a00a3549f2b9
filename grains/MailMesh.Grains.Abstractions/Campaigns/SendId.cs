using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using MailMesh.Runtime;

namespace MailMesh.Grains.Campaigns;

/// <summary>The identity of one campaign message to one recipient: the first 12 bytes of SHA-256 over
/// <c>tenant \0 campaign \0 normalized-address</c>. The same recipient of the same campaign always gets the same id, so it
/// is the idempotency key of the send record, the local part of the VERP return path and part of the Message-ID; its text
/// form is 20 lower-case base32 characters (RFC 4648 alphabet, no padding), safe in an address local part and a URL.</summary>
[Immutable]
[JsonConverter(typeof(SendIdJsonConverter))]
public readonly record struct SendId
{
    /// <summary>The length of the id in bytes.</summary>
    public const int Length = 12;

    /// <summary>The length of the text form.</summary>
    public const int TextLength = 20;

    private const string Alphabet = "abcdefghijklmnopqrstuvwxyz234567";

    private readonly ulong _high;
    private readonly uint _low;

    private SendId(ulong high, uint low)
    {
        _high = high;
        _low = low;
    }

    /// <summary>The id of <paramref name="contactAddress"/>'s message of <paramref name="campaignId"/> in <paramref name="tenant"/>.</summary>
    public static SendId For(string tenant, string campaignId, string contactAddress)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenant);
        ArgumentException.ThrowIfNullOrEmpty(campaignId);
        ArgumentException.ThrowIfNullOrEmpty(contactAddress);
        var text = string.Concat(tenant, "\0", campaignId, "\0", contactAddress);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(text), hash);
        return FromBytes(hash[..Length]);
    }

    /// <summary>The id held in <paramref name="bytes"/> (exactly <see cref="Length"/> bytes).</summary>
    public static SendId FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Length)
        {
            throw new ArgumentException($"A send id is {Length} bytes, not {bytes.Length}.", nameof(bytes));
        }

        return new SendId(System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes), System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes[8..]));
    }

    /// <summary>Writes the 12 bytes to <paramref name="destination"/>.</summary>
    public void WriteBytes(Span<byte> destination)
    {
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(destination, _high);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(destination[8..], _low);
    }

    /// <summary>Parses the text form (20 base32 characters, either case).</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out SendId id)
    {
        id = default;
        if (text.Length != TextLength)
        {
            return false;
        }

        // 20 characters x 5 bits = 100 bits; the id is 96 bits, so the last character carries 1 data bit and 4 zero bits.
        UInt128 value = 0;
        foreach (var c in text)
        {
            var digit = c is >= 'a' and <= 'z' ? c - 'a' : c is >= 'A' and <= 'Z' ? c - 'A' : c is >= '2' and <= '7' ? c - '2' + 26 : -1;
            if (digit < 0)
            {
                return false;
            }

            value = (value << 5) | (uint)digit;
        }

        if ((value & 0xF) != 0)
        {
            return false;
        }

        value >>= 4;
        id = new SendId((ulong)(value >> 32), (uint)value);
        return true;
    }

    /// <summary>Parses the text form.</summary>
    /// <exception cref="FormatException">It is not 20 base32 characters encoding 96 bits.</exception>
    public static SendId Parse(string text) =>
        TryParse(text, out var id) ? id : throw new FormatException($"'{text}' is not a send id (20 base32 characters).");

    /// <inheritdoc />
    public override string ToString()
    {
        UInt128 value = (((UInt128)_high << 32) | _low) << 4;
        Span<char> chars = stackalloc char[TextLength];
        for (var i = TextLength - 1; i >= 0; i--)
        {
            chars[i] = Alphabet[(int)(value & 0x1F)];
            value >>= 5;
        }

        return new string(chars);
    }
}

/// <summary>Writes a <see cref="SendId"/> as its text form.</summary>
public sealed class SendIdJsonConverter : JsonConverter<SendId>
{
    /// <inheritdoc />
    public override SendId Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        SendId.TryParse(reader.GetString(), out var id) ? id : throw new JsonException("Expected a send id (20 base32 characters).");

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, SendId value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToString());
}
