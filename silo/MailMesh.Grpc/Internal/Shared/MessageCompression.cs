using System.IO.Compression;

namespace MailMesh.Grpc.Internal;

/// <summary>The message encodings MailMesh accepts (<c>grpc-encoding</c>): identity, gzip and deflate (zlib).</summary>
internal static class MessageCompression
{
    public const string Identity = "identity";
    public const string Gzip = "gzip";
    public const string Deflate = "deflate";

    /// <summary>Sent as <c>grpc-accept-encoding</c>.</summary>
    public const string AcceptEncoding = "identity,gzip,deflate";

    public static bool IsSupported(string encoding) =>
        encoding is Identity or Gzip or Deflate;

    /// <summary>True for the encodings that actually compress (gzip, deflate).</summary>
    public static bool IsCompression(string encoding) =>
        encoding is Gzip or Deflate;

    /// <summary>Whether a <c>grpc-accept-encoding</c> value (comma-separated names) lists <paramref name="encoding"/>.</summary>
    public static bool Accepts(string? acceptEncoding, string encoding)
    {
        if (string.IsNullOrEmpty(acceptEncoding))
        {
            return false;
        }

        foreach (var range in acceptEncoding.AsSpan().Split(','))
        {
            if (acceptEncoding.AsSpan(range).Trim().Equals(encoding, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Decompresses one message; null when it grows past <paramref name="maxSize"/>.</summary>
    public static byte[]? Decompress(string encoding, byte[] compressed, int maxSize)
    {
        using var input = new MemoryStream(compressed, writable: false);
        using Stream decoder = encoding == Gzip
            ? new GZipStream(input, CompressionMode.Decompress)
            : new ZLibStream(input, CompressionMode.Decompress);
        using var output = new MemoryStream();
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = decoder.Read(buffer, 0, buffer.Length)) > 0)
        {
            if (output.Length + read > maxSize)
            {
                return null;
            }

            output.Write(buffer, 0, read);
        }

        return output.ToArray();
    }

    public static byte[] Compress(string encoding, ReadOnlySpan<byte> data, CompressionLevel level = CompressionLevel.Fastest)
    {
        using var output = new MemoryStream();
        using (Stream encoder = encoding == Gzip
                   ? new GZipStream(output, level, leaveOpen: true)
                   : new ZLibStream(output, level, leaveOpen: true))
        {
            encoder.Write(data);
        }

        return output.ToArray();
    }
}
