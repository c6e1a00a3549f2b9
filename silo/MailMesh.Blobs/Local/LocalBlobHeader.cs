using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace MailMesh.Blobs.Local;

/// <summary>The header at the start of a one-file local blob (format 1, see docs/adr/blobs-01-local-one-file.md).
/// All integers are little-endian:
/// <code>
/// 0   7  magic 0x89 'M' 'M' 'B' 'L' 'O' 'B'
/// 7   1  format version (1)
/// 8   4  header length in bytes, this field and the checksum included (content starts there)
/// 12  16 MD5 of the content
/// 28  8  last-modified, UTC ticks
/// 36  2  ETag length n, then n bytes of UTF-8
/// ..  2  content type length m (0xFFFF: none), then m bytes of UTF-8
/// ..  8  checksum: the first 8 bytes of the MD5 of every header byte before it
/// </code></summary>
internal static class LocalBlobHeader
{
    /// <summary>The format version this code writes and reads.</summary>
    public const byte Version = 1;

    /// <summary>Bytes read first when opening a blob: the whole header of any ordinary blob.</summary>
    public const int ProbeLength = 512;

    /// <summary>Longest content type (UTF-8 bytes) a header holds.</summary>
    public const int MaxContentTypeBytes = 4096;

    /// <summary>Longest header accepted when reading.</summary>
    public const int MaxLength = 16 * 1024;

    private const int FixedLength = 8 + 4 + 16 + 8;
    private const int ChecksumLength = 8;
    private const ushort NoContentType = 0xFFFF;

    private static ReadOnlySpan<byte> Magic => [0x89, (byte)'M', (byte)'M', (byte)'B', (byte)'L', (byte)'O', (byte)'B'];

    /// <summary>Whether <paramref name="start"/> (the first bytes of a data file) begins with the magic; files
    /// without it are blobs of the old two-file layout.</summary>
    public static bool HasMagic(ReadOnlySpan<byte> start) => start.Length >= Magic.Length && start[..Magic.Length].SequenceEqual(Magic);

    /// <summary>The header's length for these values; the content is written after it.</summary>
    public static int LengthFor(string etag, string? contentType) =>
        FixedLength + 2 + Encoding.UTF8.GetByteCount(etag) + 2 + (contentType is null ? 0 : Encoding.UTF8.GetByteCount(contentType)) + ChecksumLength;

    /// <summary>Writes the header into <paramref name="destination"/>, exactly <see cref="LengthFor"/> bytes.</summary>
    public static void Write(Span<byte> destination, ReadOnlySpan<byte> md5, string etag, DateTimeOffset lastModified, string? contentType)
    {
        var length = LengthFor(etag, contentType);
        Magic.CopyTo(destination);
        destination[7] = Version;
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], (uint)length);
        md5.CopyTo(destination.Slice(12, 16));
        BinaryPrimitives.WriteInt64LittleEndian(destination[28..], lastModified.UtcTicks);
        var at = FixedLength;
        var n = Encoding.UTF8.GetBytes(etag, destination[(at + 2)..]);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[at..], (ushort)n);
        at += 2 + n;
        if (contentType is null)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(destination[at..], NoContentType);
            at += 2;
        }
        else
        {
            n = Encoding.UTF8.GetBytes(contentType, destination[(at + 2)..]);
            BinaryPrimitives.WriteUInt16LittleEndian(destination[at..], (ushort)n);
            at += 2 + n;
        }

        Checksum(destination[..at], destination.Slice(at, ChecksumLength));
    }

    /// <summary>The header length stated by a header that starts with the magic, checked for plausibility.</summary>
    /// <returns>Null and a reason when the stated length or the version cannot be right.</returns>
    public static int? StatedLength(ReadOnlySpan<byte> start, out string? problem)
    {
        if (start.Length < 12)
        {
            problem = $"the file ends after {start.Length} bytes, inside the header";
            return null;
        }

        if (start[7] != Version)
        {
            problem = $"header format version {start[7]} is not known (this build reads version {Version})";
            return null;
        }

        var length = BinaryPrimitives.ReadUInt32LittleEndian(start[8..]);
        if (length < FixedLength + 2 + 2 + ChecksumLength || length > MaxLength)
        {
            problem = $"header length {length} is out of range";
            return null;
        }

        problem = null;
        return (int)length;
    }

    /// <summary>Parses a whole header (exactly its stated length).</summary>
    /// <returns>The parsed values, or null and the reason it is damaged.</returns>
    public static Parsed? Parse(ReadOnlySpan<byte> header, out string? problem)
    {
        Span<byte> expected = stackalloc byte[ChecksumLength];
        var body = header[..^ChecksumLength];
        Checksum(body, expected);
        if (!expected.SequenceEqual(header[^ChecksumLength..]))
        {
            problem = "header checksum mismatch";
            return null;
        }

        try
        {
            var md5 = body.Slice(12, 16).ToArray();
            var ticks = BinaryPrimitives.ReadInt64LittleEndian(body[28..]);
            var at = FixedLength;
            int n = BinaryPrimitives.ReadUInt16LittleEndian(body[at..]);
            var etag = Encoding.UTF8.GetString(body.Slice(at + 2, n));
            at += 2 + n;
            n = BinaryPrimitives.ReadUInt16LittleEndian(body[at..]);
            string? contentType = null;
            at += 2;
            if (n != NoContentType)
            {
                contentType = Encoding.UTF8.GetString(body.Slice(at, n));
                at += n;
            }

            if (at != body.Length)
            {
                problem = $"header fields end at byte {at}, the header length says {body.Length}";
                return null;
            }

            problem = null;
            return new Parsed(md5, etag, new DateTimeOffset(ticks, TimeSpan.Zero), contentType);
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or ArgumentException)
        {
            problem = $"header fields are inconsistent ({e.Message})";
            return null;
        }
    }

    private static void Checksum(ReadOnlySpan<byte> data, Span<byte> destination)
    {
        Span<byte> md5 = stackalloc byte[16];
        MD5.HashData(data, md5);
        md5[..ChecksumLength].CopyTo(destination);
    }

    /// <summary>The values of a parsed header.</summary>
    public sealed record Parsed(byte[] Md5, string ETag, DateTimeOffset LastModified, string? ContentType);
}
