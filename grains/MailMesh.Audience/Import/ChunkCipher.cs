using System.Buffers.Binary;
using System.Security.Cryptography;

namespace MailMesh.Audience.Import;

/// <summary>Encrypts the chunks of an uploaded import file (AES-256-GCM under the import's own key, the chunk index as
/// nonce and associated data): the file holds personal data, and a blob store may keep a deleted blob's bytes for a while
/// (the local store's pack files until compaction); once the import drops its key, those bytes are unreadable.</summary>
internal static class ChunkCipher
{
    private const int NonceBytes = 12;
    private const int TagBytes = 16;

    /// <summary>The stored form of chunk <paramref name="index"/>: tag then ciphertext (the plain bytes when
    /// <paramref name="key"/> is null, for imports created before encryption).</summary>
    public static byte[] Seal(string? key, int index, byte[] plain)
    {
        if (key is null)
        {
            return plain;
        }

        var sealedChunk = new byte[TagBytes + plain.Length];
        using var aes = new AesGcm(Convert.FromBase64String(key), TagBytes);
        Span<byte> nonce = stackalloc byte[NonceBytes];
        BinaryPrimitives.WriteInt64BigEndian(nonce[4..], index);
        aes.Encrypt(nonce, plain, sealedChunk.AsSpan(TagBytes), sealedChunk.AsSpan(0, TagBytes), nonce);
        return sealedChunk;
    }

    /// <summary>The plain bytes of a stored chunk.</summary>
    /// <exception cref="InvalidDataException">The chunk was changed or belongs to another import or position.</exception>
    public static byte[] Open(string? key, int index, byte[] sealedChunk, string name)
    {
        if (key is null)
        {
            return sealedChunk;
        }

        if (sealedChunk.Length < TagBytes)
        {
            throw new InvalidDataException($"chunk {name} is {sealedChunk.Length} bytes, shorter than its authentication tag");
        }

        var plain = new byte[sealedChunk.Length - TagBytes];
        using var aes = new AesGcm(Convert.FromBase64String(key), TagBytes);
        Span<byte> nonce = stackalloc byte[NonceBytes];
        BinaryPrimitives.WriteInt64BigEndian(nonce[4..], index);
        try
        {
            aes.Decrypt(nonce, sealedChunk.AsSpan(TagBytes), sealedChunk.AsSpan(0, TagBytes), plain, nonce);
        }
        catch (AuthenticationTagMismatchException e)
        {
            throw new InvalidDataException($"chunk {name} does not decrypt: it was changed, or belongs to another import or position", e);
        }

        return plain;
    }
}
