using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace MailMesh.Runtime.RabbitMq.Internal;

/// <summary>The primitives of the fabric's binary envelopes: unsigned LEB128 lengths, UTF-8 strings and byte
/// strings prefixed with their length, little-endian 32-bit integers.</summary>
internal static class Wire
{
    public static void WriteLength(IBufferWriter<byte> writer, int value)
    {
        var span = writer.GetSpan(5);
        var written = WriteLength(span, value);
        writer.Advance(written);
    }

    public static int WriteLength(Span<byte> span, int value)
    {
        var remaining = (uint)value;
        var i = 0;
        while (remaining >= 0x80)
        {
            span[i++] = (byte)(remaining | 0x80);
            remaining >>= 7;
        }

        span[i++] = (byte)remaining;
        return i;
    }

    public static int LengthSize(int value) => value < 1 << 7 ? 1 : value < 1 << 14 ? 2 : value < 1 << 21 ? 3 : value < 1 << 28 ? 4 : 5;

    public static void WriteString(IBufferWriter<byte> writer, string? value)
    {
        value ??= string.Empty;
        var count = Encoding.UTF8.GetByteCount(value);
        WriteLength(writer, count);
        var written = Encoding.UTF8.GetBytes(value, writer.GetSpan(count));
        writer.Advance(written);
    }

    public static void WriteBytes(IBufferWriter<byte> writer, ReadOnlySpan<byte> value)
    {
        WriteLength(writer, value.Length);
        writer.Write(value);
    }

    public static void WriteInt32(IBufferWriter<byte> writer, int value)
    {
        BinaryPrimitives.WriteInt32LittleEndian(writer.GetSpan(4), value);
        writer.Advance(4);
    }

    public static void WriteByte(IBufferWriter<byte> writer, byte value)
    {
        writer.GetSpan(1)[0] = value;
        writer.Advance(1);
    }
}

/// <summary>Reads what <see cref="Wire"/> wrote; every read checks the bounds and throws a
/// <see cref="FormatException"/> that names the field when the data ends early or a length is out of range.</summary>
internal ref struct WireReader(ReadOnlySpan<byte> data)
{
    private readonly ReadOnlySpan<byte> _data = data;
    private int _position;

    public readonly bool AtEnd => _position == _data.Length;

    public readonly int Position => _position;

    public byte ReadByte(string field)
    {
        if (_position >= _data.Length)
        {
            throw new FormatException($"The envelope ends before its {field}.");
        }

        return _data[_position++];
    }

    public int ReadLength(string field)
    {
        uint value = 0;
        for (var shift = 0; shift < 35; shift += 7)
        {
            var b = ReadByte(field);
            value |= (uint)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return value <= int.MaxValue ? (int)value : throw new FormatException($"The {field} is out of range.");
            }
        }

        throw new FormatException($"The {field} is not a valid length.");
    }

    public int ReadInt32(string field)
    {
        if (_data.Length - _position < 4)
        {
            throw new FormatException($"The envelope ends inside its {field}.");
        }

        var value = BinaryPrimitives.ReadInt32LittleEndian(_data[_position..]);
        _position += 4;
        return value;
    }

    public ReadOnlySpan<byte> ReadBytes(string field)
    {
        var length = ReadLength(field);
        if (length > _data.Length - _position)
        {
            throw new FormatException($"The {field} ({length} bytes) runs past the end of the envelope.");
        }

        var bytes = _data.Slice(_position, length);
        _position += length;
        return bytes;
    }

    public string ReadString(string field)
    {
        return Encoding.UTF8.GetString(ReadBytes(field));
    }

    public string? ReadOptionalString(string field)
    {
        var value = ReadString(field);
        return value.Length == 0 ? null : value;
    }
}
