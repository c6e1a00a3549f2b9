using MailMesh.Campaigns.Links;
using Microsoft.Extensions.Time.Testing;

namespace MailMesh.Campaigns.Tests;

public sealed class TrackingTokenCodecTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 8, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(Now);

    private TrackingTokenCodec Codec(byte current = 1) =>
        new(new TrackingKeyRing(new Dictionary<byte, byte[]> { [1] = Enumerable.Repeat((byte)7, 32).ToArray(), [2] = Enumerable.Repeat((byte)9, 32).ToArray() }, current),
            TimeSpan.FromDays(365), _time);

    private static TrackingClaims Claims() =>
        new(TrackingKind.Click, "acme", "spring-sale", "zoé@exämple.com", Now, 3, null, "https://shop.example.com/p?id=1&x=é");

    [Fact]
    public void Encode_ThenDecode_ReturnsTheSameClaims()
    {
        var codec = Codec();
        var token = codec.Encode(Claims());

        Assert.Equal(TrackingTokenStatus.Valid, codec.TryDecode(token, out var claims));
        Assert.Equal(Claims(), claims);
        Assert.DoesNotContain('+', token);
        Assert.DoesNotContain('/', token);
    }

    [Fact]
    public void TryDecode_AnyFlippedBit_IsRefused()
    {
        var codec = Codec();
        var token = codec.Encode(Claims());
        var bytes = System.Buffers.Text.Base64Url.DecodeFromChars(token);
        for (var i = 0; i < bytes.Length * 8; i++)
        {
            var tampered = (byte[])bytes.Clone();
            tampered[i / 8] ^= (byte)(1 << (i % 8));
            var status = codec.TryDecode(System.Buffers.Text.Base64Url.EncodeToString(tampered), out var claims);
            Assert.NotEqual(TrackingTokenStatus.Valid, status);
            Assert.NotEqual(TrackingTokenStatus.Expired, status);
            Assert.Null(claims);
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("not a token")]
    [InlineData("AQEC")]
    [InlineData("====")]
    public void TryDecode_Garbage_IsMalformed(string token)
    {
        Assert.Equal(TrackingTokenStatus.Malformed, Codec().TryDecode(token, out var claims));
        Assert.Null(claims);
    }

    [Fact]
    public void TryDecode_TruncatedToken_IsRefused()
    {
        var codec = Codec();
        var token = codec.Encode(Claims());
        for (var length = 1; length < token.Length; length++)
        {
            Assert.NotEqual(TrackingTokenStatus.Valid, codec.TryDecode(token.AsSpan(0, length), out _));
        }
    }

    [Fact]
    public void TryDecode_OlderThanLifetime_IsExpiredWithClaims()
    {
        var codec = Codec();
        var token = codec.Encode(Claims());
        _time.Advance(TimeSpan.FromDays(366));

        Assert.Equal(TrackingTokenStatus.Expired, codec.TryDecode(token, out var claims));
        Assert.Equal("spring-sale", claims!.CampaignId);
    }

    [Fact]
    public void TryDecode_RotatedKeys_OldTokensVerifyAndRetiredKeysAreUnknown()
    {
        var old = Codec(current: 1).Encode(Claims());
        Assert.Equal(TrackingTokenStatus.Valid, Codec(current: 2).TryDecode(old, out _));

        var retired = new TrackingTokenCodec(new TrackingKeyRing(new Dictionary<byte, byte[]> { [2] = Enumerable.Repeat((byte)9, 32).ToArray() }, 2), TimeSpan.FromDays(1), _time);
        Assert.Equal(TrackingTokenStatus.UnknownKey, retired.TryDecode(old, out _));
    }

    [Fact]
    public void TryDecode_SignedWithAnotherKeyUnderTheSameId_IsBadSignature()
    {
        var forged = new TrackingTokenCodec(new TrackingKeyRing(new Dictionary<byte, byte[]> { [1] = new byte[32] }, 1), TimeSpan.FromDays(1), _time).Encode(Claims());

        Assert.Equal(TrackingTokenStatus.BadSignature, Codec().TryDecode(forged, out _));
    }

    [Fact]
    public void Encode_FieldTooLong_SaysWhichField()
    {
        var error = Assert.Throws<ArgumentException>(() => Codec().Encode(Claims() with { TargetUrl = "https://x.example/" + new string('a', 3000) }));

        Assert.Contains("target URL", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Encode_LongestTarget_RoundTrips()
    {
        var target = "https://x.example/" + new string('a', 2048 - "https://x.example/".Length);
        var codec = Codec();

        var token = codec.Encode(Claims() with { TargetUrl = target });

        Assert.True(token.Length > 2048);
        Assert.Equal(TrackingTokenStatus.Valid, codec.TryDecode(token, out var claims));
        Assert.Equal(target, claims!.TargetUrl);
    }

    [Fact]
    public void Encode_CodecsWithOtherKeysInterleavedOnManyThreads_EachTokenVerifiesOnlyWithItsOwnKey()
    {
        var first = Codec();
        var second = new TrackingTokenCodec(new TrackingKeyRing(new Dictionary<byte, byte[]> { [1] = Enumerable.Repeat((byte)8, 32).ToArray() }, 1), TimeSpan.FromDays(365), _time);

        var results = new (TrackingTokenStatus Own, TrackingTokenStatus Other)[400];
        Parallel.For(0, results.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
        {
            var (codec, other) = i % 2 == 0 ? (first, second) : (second, first);
            var token = codec.Encode(Claims() with { LinkIndex = i });
            results[i] = (codec.TryDecode(token, out _), other.TryDecode(token, out _));
        });

        Assert.All(results, r => Assert.Equal((TrackingTokenStatus.Valid, TrackingTokenStatus.BadSignature), r));
    }

    [Fact]
    public void Urls_BuildSignedUrlsUnderTheBase()
    {
        var urls = new TrackingUrls("https://t.example.com/", Codec());

        var open = urls.Open(Claims());
        Assert.StartsWith("https://t.example.com/o/", open, StringComparison.Ordinal);
        Assert.EndsWith(".gif", open, StringComparison.Ordinal);
        var token = urls.Unsubscribe(Claims(), "news")["https://t.example.com/u/".Length..];
        Assert.Equal(TrackingTokenStatus.Valid, urls.Codec.TryDecode(token, out var claims));
        Assert.Equal((TrackingKind.Unsubscribe, "news"), (claims!.Kind, claims.List));
        Assert.Throws<ArgumentException>(() => new TrackingUrls("ftp://x", Codec()));
    }
}
