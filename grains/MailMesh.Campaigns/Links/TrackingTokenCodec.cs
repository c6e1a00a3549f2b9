using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

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
    public string Encode(TrackingClaims claims)
    {
        ArgumentNullException.ThrowIfNull(claims);
        if (claims.LinkIndex is < 0 or > ushort.MaxValue)
        {
            throw new ArgumentException($"Link index {claims.LinkIndex} is outside 0-65535.", nameof(claims));
        }

        var tenant = Utf8(claims.Tenant, byte.MaxValue, "tenant");
        var campaign = Utf8(claims.CampaignId, byte.MaxValue, "campaign");
        var contact = Utf8(claims.ContactAddress, byte.MaxValue, "contact");
        var list = Utf8(claims.List ?? string.Empty, byte.MaxValue, "list");
        var target = Utf8(claims.TargetUrl ?? string.Empty, 2048, "target URL");
        var payloadLength = FixedLength + 4 + tenant.Length + campaign.Length + contact.Length + list.Length + 2 + target.Length;
        var buffer = new byte[payloadLength + MacLength];
        var span = buffer.AsSpan();
        span[0] = Version;
        span[1] = _keys.CurrentKeyId;
        span[2] = (byte)claims.Kind;
        BinaryPrimitives.WriteUInt32BigEndian(span[3..], (uint)Math.Clamp(claims.IssuedAt.ToUnixTimeSeconds(), 0, uint.MaxValue));
        BinaryPrimitives.WriteUInt16BigEndian(span[7..], (ushort)claims.LinkIndex);
        var at = FixedLength;
        foreach (var field in (ReadOnlySpan<byte[]>)[tenant, campaign, contact, list])
        {
            span[at++] = (byte)field.Length;
            field.CopyTo(span[at..]);
            at += field.Length;
        }

        BinaryPrimitives.WriteUInt16BigEndian(span[at..], (ushort)target.Length);
        target.CopyTo(span[(at + 2)..]);
        Sign(_keys.Key(_keys.CurrentKeyId)!, span[..payloadLength], span[payloadLength..]);
        return Base64Url.EncodeToString(buffer);
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
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
        hmac.AppendData(Domain);
        hmac.AppendData(payload);
        Span<byte> full = stackalloc byte[32];
        hmac.GetHashAndReset(full);
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
            value = new UTF8Encoding(false, true).GetString(payload.Slice(at, length));
        }
        catch (DecoderFallbackException)
        {
            return false;
        }

        at += length;
        return true;
    }

    private static byte[] Utf8(string value, int max, string what)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        return bytes.Length <= max ? bytes : throw new ArgumentException($"The {what} is {bytes.Length} UTF-8 bytes; a tracking token holds at most {max}.");
    }
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
