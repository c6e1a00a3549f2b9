using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace MailMesh.Campaigns.Dkim;

/// <summary>SHA-256 and HMAC-SHA256 through the system OpenSSL 3 libcrypto's SHA-256 functions on a state held in managed
/// memory (docs/adr/campaigns-20-sha256-state-in-managed-memory.md), for the hashes made for every campaign message (the
/// DKIM body and header hashes, the tracking tokens). The state (<c>SHA256_CTX</c>, plain data) lives on the caller's
/// stack; an HMAC keeps the states after its key's inner and outer pads and starts each MAC from copies of them, so a
/// token costs its own compression blocks and five short calls, with no context allocated, copied or freed by the library
/// and no handle to count. .NET's <see cref="SHA256.HashData(ReadOnlySpan{byte}, Span{byte})"/> and
/// <see cref="IncrementalHash"/> reach the same library through a shim that clears the thread's error queue on every call
/// and creates a context per one-shot hash. Where the functions are absent (<see cref="IsAvailable"/>) both fall back to
/// .NET's implementations, with the same results.</summary>
internal static partial class OpenSslSha256
{
    private const string Library = "libcrypto.so.3";

    /// <summary>Room for a <c>SHA256_CTX</c> (112 bytes in every OpenSSL: eight words of state, two of length, sixteen of
    /// block, two counters), with a margin.</summary>
    internal const int StateSize = 128;

    private const int BlockSize = 64;

    /// <summary>The longest input given to a call that skips the GC transition (a tracking token's payload is at most
    /// about 3 KB, hashed in about 2 µs); longer input goes through an ordinary call, which lets the GC suspend the thread
    /// while it hashes.</summary>
    private const int MaxShortCall = 4096;

    private static readonly Lazy<bool> Proved = new(Prove);

    /// <summary>Whether the system libcrypto hashes here.</summary>
    public static bool IsAvailable => Proved.Value;

    /// <summary>Writes the SHA-256 of <paramref name="data"/> to <paramref name="hash"/> (32 bytes).</summary>
    public static void Hash(ReadOnlySpan<byte> data, Span<byte> hash)
    {
        if (!Proved.Value)
        {
            SHA256.HashData(data, hash);
            return;
        }

        Span<byte> state = stackalloc byte[StateSize];
        if (Init(state) != 1)
        {
            throw OpenSslEd25519.Failure("SHA256_Init");
        }

        Append(state, data);
        Final(hash, state);
    }

    /// <summary>An HMAC-SHA256 with one key, computed again and again from the key's kept pads (not thread-safe: one per
    /// thread).</summary>
    internal sealed class Hmac : IDisposable
    {
        // The SHA-256 states after the key's inner pad and after its outer pad (RFC 2104), StateSize bytes each.
        private readonly byte[]? _pads;
        private readonly IncrementalHash? _managed;

        /// <summary>An HMAC with <paramref name="key"/> (kept by reference: see <see cref="Key"/>).</summary>
        public Hmac(byte[] key)
            : this(key, Proved.Value)
        {
        }

        /// <summary>An HMAC with <paramref name="key"/> on libcrypto when <paramref name="native"/> (and it is available),
        /// else on .NET's implementation (for comparisons).</summary>
        internal Hmac(byte[] key, bool native)
        {
            Key = key;
            if (native && Proved.Value)
            {
                _pads = Pads(key);
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

            Span<byte> state = stackalloc byte[StateSize];
            Span<byte> inner = stackalloc byte[32];
            _pads.AsSpan(0, StateSize).CopyTo(state);
            Append(state, first);
            Append(state, second);
            Final(inner, state);
            _pads.AsSpan(StateSize, StateSize).CopyTo(state);
            Append(state, inner);
            Final(mac, state);
        }

        /// <inheritdoc />
        public void Dispose() => _managed?.Dispose();

        /// <summary>The states after the inner and after the outer pad of <paramref name="key"/> (a key longer than a block
        /// is hashed first, RFC 2104).</summary>
        private static byte[] Pads(byte[] key)
        {
            Span<byte> block = stackalloc byte[BlockSize];
            block.Clear();
            if (key.Length > BlockSize)
            {
                Hash(key, block);
            }
            else
            {
                key.CopyTo(block);
            }

            var pads = new byte[2 * StateSize];
            Span<byte> pad = stackalloc byte[BlockSize];
            for (var half = 0; half < 2; half++)
            {
                var with = half == 0 ? (byte)0x36 : (byte)0x5c;
                for (var i = 0; i < BlockSize; i++)
                {
                    pad[i] = (byte)(block[i] ^ with);
                }

                var state = pads.AsSpan(half * StateSize, StateSize);
                if (Init(state) != 1)
                {
                    throw OpenSslEd25519.Failure("SHA256_Init");
                }

                Append(state, pad);
            }

            CryptographicOperations.ZeroMemory(block);
            CryptographicOperations.ZeroMemory(pad);
            return pads;
        }
    }

    private static void Append(Span<byte> state, ReadOnlySpan<byte> data)
    {
        var done = data.Length <= MaxShortCall ? UpdateShort(state, data, (nuint)data.Length) : Update(state, data, (nuint)data.Length);
        if (done != 1)
        {
            throw OpenSslEd25519.Failure("SHA256_Update");
        }
    }

    private static void Final(Span<byte> hash, Span<byte> state)
    {
        if (hash.Length < 32 || FinalShort(hash, state) != 1)
        {
            throw OpenSslEd25519.Failure("SHA256_Final");
        }
    }

    private static bool Prove()
    {
        try
        {
            // Known answers (FIPS 180-2 "abc", RFC 4231 test case 2) before any message depends on the functions.
            Span<byte> state = stackalloc byte[StateSize];
            Span<byte> hash = stackalloc byte[32];
            if (Init(state) != 1 || UpdateShort(state, "abc"u8, 3) != 1 || FinalShort(hash, state) != 1
                || Convert.ToHexStringLower(hash) != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
            {
                OpenSslEd25519.DrainErrors();
                return false;
            }

            return true;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
        {
            return false;
        }
    }

    [LibraryImport(Library, EntryPoint = "SHA256_Init")]
    [SuppressGCTransition]
    private static partial int Init(Span<byte> state);

    // Hashing a long input must let the GC suspend the thread: an ordinary call.
    [LibraryImport(Library, EntryPoint = "SHA256_Update")]
    private static partial int Update(Span<byte> state, ReadOnlySpan<byte> data, nuint length);

    [LibraryImport(Library, EntryPoint = "SHA256_Update")]
    [SuppressGCTransition]
    private static partial int UpdateShort(Span<byte> state, ReadOnlySpan<byte> data, nuint length);

    [LibraryImport(Library, EntryPoint = "SHA256_Final")]
    [SuppressGCTransition]
    private static partial int FinalShort(Span<byte> hash, Span<byte> state);
}
