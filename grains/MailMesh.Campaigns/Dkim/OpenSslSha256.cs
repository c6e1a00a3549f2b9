using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace MailMesh.Campaigns.Dkim;

/// <summary>SHA-256 and HMAC-SHA256 through the system OpenSSL 3 libcrypto with contexts that are kept and reused, for
/// the hashes made for every campaign message (the DKIM body and header hashes, the tracking tokens). .NET's own
/// <see cref="SHA256.HashData(ReadOnlySpan{byte}, Span{byte})"/> and <see cref="IncrementalHash"/> reach the same library
/// through a shim that clears the thread's error queue on every call and creates and frees a context for each one-shot
/// hash: about 1 µs of a 700-byte hash and of a tracking token's HMAC, against 0.3–0.6 µs on a kept context
/// (docs/adr/campaigns-11-crypto-calls.md). Where the library is absent (<see cref="IsAvailable"/>) both fall back to
/// .NET's implementations, with the same results.</summary>
internal static partial class OpenSslSha256
{
    private const string Library = "libcrypto.so.3";

    private static readonly Lazy<Algorithms?> Fetched = new(Fetch);

    [ThreadStatic]
    private static ContextHandle? t_digest;

    /// <summary>Whether the system libcrypto hashes here.</summary>
    public static bool IsAvailable => Fetched.Value is not null;

    /// <summary>Writes the SHA-256 of <paramref name="data"/> to <paramref name="hash"/> (32 bytes).</summary>
    public static void Hash(ReadOnlySpan<byte> data, Span<byte> hash)
    {
        if (Fetched.Value is not { } algorithms)
        {
            SHA256.HashData(data, hash);
            return;
        }

        // One digest context per thread, initialized again for each hash (initializing a kept context allocates nothing).
        var context = t_digest ??= ContextHandle.Digest();
        var length = 0u;
        if (DigestInit(context, algorithms.Sha256, 0) != 1
            || DigestUpdate(context, data, (nuint)data.Length) != 1
            || DigestFinal(context, hash, ref length) != 1
            || length != 32)
        {
            t_digest = null;
            context.Dispose();
            throw OpenSslEd25519.Failure("SHA-256 digest");
        }
    }

    /// <summary>An HMAC-SHA256 with one key, computed again and again on one context (not thread-safe: one per thread).</summary>
    internal sealed class Hmac : IDisposable
    {
        private readonly ContextHandle? _context;
        private readonly IncrementalHash? _managed;

        /// <summary>An HMAC with <paramref name="key"/> (kept by reference: see <see cref="Key"/>).</summary>
        public Hmac(byte[] key)
        {
            Key = key;
            if (Fetched.Value is { } algorithms)
            {
                _context = ContextHandle.Mac(algorithms, key);
            }
            else
            {
                _managed = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
            }
        }

        /// <summary>The key this HMAC was made with.</summary>
        public byte[] Key { get; }

        /// <summary>Writes HMAC-SHA256(key, <paramref name="first"/> ‖ <paramref name="second"/>) to <paramref name="mac"/>
        /// (32 bytes).</summary>
        public void Compute(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second, Span<byte> mac)
        {
            if (_managed is not null)
            {
                _managed.AppendData(first);
                _managed.AppendData(second);
                _managed.GetHashAndReset(mac);
                return;
            }

            // Initializing without a key starts over from the key's inner and outer pads, computed once.
            var length = (nuint)0;
            if (MacInit(_context!, 0, 0, 0) != 1
                || MacUpdate(_context!, first, (nuint)first.Length) != 1
                || MacUpdate(_context!, second, (nuint)second.Length) != 1
                || MacFinal(_context!, mac, ref length, (nuint)mac.Length) != 1
                || length != 32)
            {
                throw OpenSslEd25519.Failure("HMAC-SHA256");
            }
        }

        /// <inheritdoc />
        public void Dispose()
        {
            _context?.Dispose();
            _managed?.Dispose();
        }
    }

    private static Algorithms? Fetch()
    {
        try
        {
            var sha256 = MdFetch(0, "SHA256", null);
            var hmac = MacFetch(0, "HMAC", null);
            if (sha256 == 0 || hmac == 0)
            {
                OpenSslEd25519.DrainErrors();
                return null;
            }

            // Parameters that name the HMAC's digest, kept for the life of the process like the fetched algorithms.
            var name = Marshal.StringToCoTaskMemUTF8("digest");
            var value = Marshal.StringToCoTaskMemUTF8("SHA256");
            var algorithms = new Algorithms(sha256, hmac, [new OsslParam(name, 4, value, 6, 0), default]); // 4: OSSL_PARAM_UTF8_STRING

            // Prove both on known answers (FIPS 180-2 "abc", RFC 4231 test case 2) before any message depends on them.
            Span<byte> mac = stackalloc byte[32];
            using (var digest = ContextHandle.Digest())
            {
                var length = 0u;
                if (DigestInit(digest, sha256, 0) != 1 || DigestUpdate(digest, "abc"u8, 3) != 1 || DigestFinal(digest, mac, ref length) != 1
                    || Convert.ToHexStringLower(mac) != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
                {
                    OpenSslEd25519.DrainErrors();
                    return null;
                }
            }

            using (var context = ContextHandle.Mac(algorithms, "Jefe"u8.ToArray()))
            {
                var length = (nuint)0;
                if (MacInit(context, 0, 0, 0) != 1 || MacUpdate(context, "what do ya want "u8, 16) != 1
                    || MacUpdate(context, "for nothing?"u8, 12) != 1 || MacFinal(context, mac, ref length, 32) != 1
                    || Convert.ToHexStringLower(mac) != "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
                {
                    OpenSslEd25519.DrainErrors();
                    return null;
                }
            }

            return algorithms;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException or CryptographicException)
        {
            return null;
        }
    }

    /// <summary>The fetched SHA-256 (<c>EVP_MD*</c>) and HMAC (<c>EVP_MAC*</c>) and the HMAC's parameters.</summary>
    private sealed record Algorithms(nint Sha256, nint Hmac, OsslParam[] HmacParameters);

    /// <summary>An <c>OSSL_PARAM</c>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private readonly record struct OsslParam(nint Key, uint DataType, nint Data, nuint DataSize, nuint ReturnSize);

    /// <summary>An <c>EVP_MD_CTX*</c> or <c>EVP_MAC_CTX*</c>, freed once (also when a thread that kept one ends).</summary>
    private sealed class ContextHandle : SafeHandle
    {
        private bool _mac;

        public ContextHandle()
            : base(0, ownsHandle: true)
        {
        }

        public override bool IsInvalid => handle == 0;

        public static ContextHandle Digest()
        {
            var context = MdContextNew();
            return context.IsInvalid ? throw OpenSslEd25519.Failure("EVP_MD_CTX_new") : context;
        }

        public static ContextHandle Mac(Algorithms algorithms, byte[] key)
        {
            var context = MacContextNew(algorithms.Hmac);
            if (context.IsInvalid)
            {
                throw OpenSslEd25519.Failure("EVP_MAC_CTX_new");
            }

            context._mac = true;
            if (MacInitKeyed(context, key, (nuint)key.Length, algorithms.HmacParameters) != 1)
            {
                context.Dispose();
                throw OpenSslEd25519.Failure("EVP_MAC_init");
            }

            return context;
        }

        protected override bool ReleaseHandle()
        {
            if (_mac)
            {
                MacContextFree(handle);
            }
            else
            {
                MdContextFree(handle);
            }

            return true;
        }
    }

    [LibraryImport(Library, EntryPoint = "EVP_MD_fetch", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint MdFetch(nint libraryContext, string algorithm, string? properties);

    [LibraryImport(Library, EntryPoint = "EVP_MD_CTX_new")]
    private static partial ContextHandle MdContextNew();

    [LibraryImport(Library, EntryPoint = "EVP_MD_CTX_free")]
    private static partial void MdContextFree(nint context);

    [LibraryImport(Library, EntryPoint = "EVP_DigestInit_ex")]
    private static partial int DigestInit(ContextHandle context, nint digest, nint engine);

    [LibraryImport(Library, EntryPoint = "EVP_DigestUpdate")]
    private static partial int DigestUpdate(ContextHandle context, ReadOnlySpan<byte> data, nuint length);

    [LibraryImport(Library, EntryPoint = "EVP_DigestFinal_ex")]
    private static partial int DigestFinal(ContextHandle context, Span<byte> hash, ref uint length);

    [LibraryImport(Library, EntryPoint = "EVP_MAC_fetch", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint MacFetch(nint libraryContext, string algorithm, string? properties);

    [LibraryImport(Library, EntryPoint = "EVP_MAC_CTX_new")]
    private static partial ContextHandle MacContextNew(nint mac);

    [LibraryImport(Library, EntryPoint = "EVP_MAC_CTX_free")]
    private static partial void MacContextFree(nint context);

    [LibraryImport(Library, EntryPoint = "EVP_MAC_init")]
    private static partial int MacInitKeyed(ContextHandle context, ReadOnlySpan<byte> key, nuint length, OsslParam[] parameters);

    [LibraryImport(Library, EntryPoint = "EVP_MAC_init")]
    private static partial int MacInit(ContextHandle context, nint key, nuint length, nint parameters);

    [LibraryImport(Library, EntryPoint = "EVP_MAC_update")]
    private static partial int MacUpdate(ContextHandle context, ReadOnlySpan<byte> data, nuint length);

    [LibraryImport(Library, EntryPoint = "EVP_MAC_final")]
    private static partial int MacFinal(ContextHandle context, Span<byte> mac, ref nuint length, nuint size);
}
