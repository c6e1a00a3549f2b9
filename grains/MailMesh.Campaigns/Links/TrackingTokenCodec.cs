using System.Buffers;
using System.Buffers.Binary;
using System.Buffers.Text;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using MailMesh.Campaigns.Dkim;

namespace MailMesh.Campaigns.Links;

/// <summary>Makes and checks tracking tokens: <c>base64url(payload ‖ HMAC-SHA256(key, payload)[0..16])</c> with
/// payload = version 1, key id, kind, issued-at (uint32 Unix seconds), link index (uint16), then tenant, campaign, contact
/// and list as length-prefixed UTF-8 (one byte each) and the target URL (two-byte length). Keys rotate by id: new tokens
/// use <see cref="TrackingKeyRing.CurrentKeyId"/>, old ones verify while their key is still configured. Thread-safe.</summary>
public sealed class TrackingTokenCodec
{
    /// <summary>The longest token accepted (characters); longer input is refused unread.</summary>
    public const int MaxTokenLength = 4096;

    private const byte Version = 1;
    private const int MacLength = 16;
    private const int FixedLength = 1 + 1 + 1 + 4 + 2;
    private static readonly byte[] Domain = "mailmesh-tracking\0"u8.ToArray();
    private static readonly string[] FieldNames = ["tenant", "campaign", "contact", "list"];

    [ThreadStatic]
    private static OpenSslSha256.Hmac? t_hmac;
    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    private readonly TrackingKeyRing _keys;
    private readonly TimeSpan _lifetime;
    private readonly TimeProvider _time;

    /// <summary>A codec over <paramref name="keys"/>; tokens older than <paramref name="lifetime"/> are expired.</summary>
    public TrackingTokenCodec(TrackingKeyRing keys, TimeSpan lifetime, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(lifetime, TimeSpan.Zero);
        _keys = keys;
        _lifetime = lifetime;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The token for <paramref name="claims"/>.</summary>
    /// <exception cref="ArgumentException">A field is too long (tenant, campaign, contact, list: 255 UTF-8 bytes; target:
    /// 2,048) or the link index is outside 0–65535.</exception>
    public string Encode(TrackingClaims claims) => Encode(claims, string.Empty, string.Empty);

    /// <summary>The token for <paramref name="claims"/> between <paramref name="before"/> and <paramref name="after"/>
    /// (a URL around it), as one string.</summary>
    /// <exception cref="ArgumentException">As <see cref="Encode(TrackingClaims)"/>.</exception>
    [SkipLocalsInit] // the buffers are written before they are read; zeroing 1 KB per token was a measurable share
    internal string Encode(TrackingClaims claims, string before, string after)
    {
        ArgumentNullException.ThrowIfNull(claims);
        if (claims.LinkIndex is < 0 or > ushort.MaxValue)
        {
            throw new ArgumentException($"Link index {claims.LinkIndex} is outside 0-65535.", nameof(claims));
        }

        // Written straight into one buffer: the token is made for every link of every message.
        var fields = (ReadOnlySpan<string>)[claims.Tenant, claims.CampaignId, claims.ContactAddress, claims.List ?? string.Empty];
        var target = claims.TargetUrl ?? string.Empty;
        var maxPayload = FixedLength + 4 + 2 + Encoding.UTF8.GetMaxByteCount(target.Length);
        foreach (var field in fields)
        {
            maxPayload += Encoding.UTF8.GetMaxByteCount(field.Length);
        }

        var rented = maxPayload + MacLength > 1024 ? ArrayPool<byte>.Shared.Rent(maxPayload + MacLength) : null;
        Span<byte> span = rented is null ? stackalloc byte[1024] : rented;
        try
        {
            span[0] = Version;
            span[1] = _keys.CurrentKeyId;
            span[2] = (byte)claims.Kind;
            BinaryPrimitives.WriteUInt32BigEndian(span[3..], (uint)Math.Clamp(claims.IssuedAt.ToUnixTimeSeconds(), 0, uint.MaxValue));
            BinaryPrimitives.WriteUInt16BigEndian(span[7..], (ushort)claims.LinkIndex);
            var at = FixedLength;
            for (var i = 0; i < fields.Length; i++)
            {
                var length = Encoding.UTF8.GetBytes(fields[i], span[(at + 1)..]);
                span[at] = length <= byte.MaxValue ? (byte)length : throw TooLong(FieldNames[i], length, byte.MaxValue);
                at += 1 + length;
            }

            var targetLength = Encoding.UTF8.GetBytes(target, span[(at + 2)..]);
            BinaryPrimitives.WriteUInt16BigEndian(span[at..], targetLength <= 2048 ? (ushort)targetLength : throw TooLong("target URL", targetLength, 2048));
            var payloadLength = at + 2 + targetLength;
            Sign(_keys.Key(_keys.CurrentKeyId)!, span[..payloadLength], span.Slice(payloadLength, MacLength));
            var token = span[..(payloadLength + MacLength)];
            var encodedLength = Base64Url.GetEncodedLength(token.Length);
            Span<char> chars = encodedLength <= 2048 ? stackalloc char[encodedLength] : new char[encodedLength];
            Base64Url.EncodeToChars(token, chars);
            return string.Concat(before, chars, after);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>Reads <paramref name="token"/>; <paramref name="claims"/> is set only when the result is
    /// <see cref="TrackingTokenStatus.Valid"/> or <see cref="TrackingTokenStatus.Expired"/>. Never throws for bad input.</summary>
    public TrackingTokenStatus TryDecode(ReadOnlySpan<char> token, out TrackingClaims? claims)
    {
        claims = null;
        if (token.IsEmpty || token.Length > MaxTokenLength)
        {
            return TrackingTokenStatus.Malformed;
        }

        var bytes = new byte[Base64Url.GetMaxDecodedLength(token.Length)];
        if (Base64Url.DecodeFromChars(token, bytes, out var consumed, out var written) != System.Buffers.OperationStatus.Done || consumed != token.Length)
        {
            return TrackingTokenStatus.Malformed;
        }

        var data = bytes.AsSpan(0, written);
        if (data.Length < FixedLength + 4 + 2 + MacLength || data[0] != Version)
        {
            return TrackingTokenStatus.Malformed;
        }

        var payload = data[..^MacLength];
        var key = _keys.Key(payload[1]);
        if (key is null)
        {
            return TrackingTokenStatus.UnknownKey;
        }

        Span<byte> expected = stackalloc byte[MacLength];
        Sign(key, payload, expected);
        if (!CryptographicOperations.FixedTimeEquals(expected, data[^MacLength..]))
        {
            return TrackingTokenStatus.BadSignature;
        }

        // The signature is good, so the payload is one this codec wrote; the bounds checks still guard a key compromise.
        var kind = (TrackingKind)payload[2];
        if (!Enum.IsDefined(kind))
        {
            return TrackingTokenStatus.Malformed;
        }

        var issuedAt = DateTimeOffset.FromUnixTimeSeconds(BinaryPrimitives.ReadUInt32BigEndian(payload[3..]));
        var linkIndex = BinaryPrimitives.ReadUInt16BigEndian(payload[7..]);
        var at = FixedLength;
        if (!ReadField(payload, ref at, 1, out var tenant) || !ReadField(payload, ref at, 1, out var campaign)
            || !ReadField(payload, ref at, 1, out var contact) || !ReadField(payload, ref at, 1, out var list)
            || !ReadField(payload, ref at, 2, out var target) || at != payload.Length
            || tenant.Length == 0 || campaign.Length == 0 || contact.Length == 0)
        {
            return TrackingTokenStatus.Malformed;
        }

        claims = new TrackingClaims(kind, tenant, campaign, contact, issuedAt, linkIndex, list.Length == 0 ? null : list, target.Length == 0 ? null : target);
        return _time.GetUtcNow() - issuedAt > _lifetime ? TrackingTokenStatus.Expired : TrackingTokenStatus.Valid;
    }

    private static void Sign(byte[] key, ReadOnlySpan<byte> payload, Span<byte> mac)
    {
        // One HMAC per thread and key, started over after each use: setting up an HMAC context costs more than signing a token.
        var hmac = t_hmac;
        if (hmac is null || !ReferenceEquals(hmac.Key, key))
        {
            hmac?.Dispose();
            hmac = t_hmac = new OpenSslSha256.Hmac(key);
        }

        Span<byte> full = stackalloc byte[32];
        hmac.Compute(Domain, payload, full);
        full[..MacLength].CopyTo(mac);
    }

    private static bool ReadField(ReadOnlySpan<byte> payload, ref int at, int prefix, out string value)
    {
        value = string.Empty;
        if (at + prefix > payload.Length)
        {
            return false;
        }

        var length = prefix == 1 ? payload[at] : BinaryPrimitives.ReadUInt16BigEndian(payload[at..]);
        at += prefix;
        if (at + length > payload.Length)
        {
            return false;
        }

        try
        {
            value = StrictUtf8.GetString(payload.Slice(at, length));
        }
        catch (DecoderFallbackException)
        {
            return false;
        }

        at += length;
        return true;
    }

    private static ArgumentException TooLong(string what, int length, int max) =>
        new($"The {what} is {length} UTF-8 bytes; a tracking token holds at most {max}.");
}

/// <summary>The HMAC keys tracking tokens are signed with, by one-byte id.</summary>
public sealed class TrackingKeyRing
{
    private readonly Dictionary<byte, byte[]> _keys;

    /// <summary>A ring with <paramref name="keys"/>; new tokens use <paramref name="currentKeyId"/>.</summary>
    /// <exception cref="ArgumentException">The current key is missing or a key is shorter than 32 bytes.</exception>
    public TrackingKeyRing(IReadOnlyDictionary<byte, byte[]> keys, byte currentKeyId)
    {
        ArgumentNullException.ThrowIfNull(keys);
        foreach (var (id, key) in keys)
        {
            if (key.Length < 32)
            {
                throw new ArgumentException($"Tracking key {id} is {key.Length} bytes; at least 32 are required.", nameof(keys));
            }
        }

        if (!keys.ContainsKey(currentKeyId))
        {
            throw new ArgumentException($"The current tracking key id {currentKeyId} is not among the configured keys.", nameof(currentKeyId));
        }

        _keys = keys.ToDictionary(k => k.Key, k => k.Value.ToArray());
        CurrentKeyId = currentKeyId;
    }

    /// <summary>The id new tokens are signed with.</summary>
    public byte CurrentKeyId { get; }

    /// <summary>The key with <paramref name="id"/>, or null.</summary>
    public byte[]? Key(byte id) => _keys.GetValueOrDefault(id);
}
