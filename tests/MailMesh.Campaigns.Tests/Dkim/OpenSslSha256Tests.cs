using System.Security.Cryptography;
using MailMesh.Campaigns.Dkim;
using MailMesh.Testing;

namespace MailMesh.Campaigns.Tests.Dkim;

/// <summary>The kept SHA-256 and HMAC contexts give .NET's results, whatever they hashed before.</summary>
public sealed class OpenSslSha256Tests
{
    [SkippableFact]
    public void Hash_ManyInputsOnOneThread_EachEqualsDotNetSha256()
    {
        Skip.IfNot(OpenSslSha256.IsAvailable, "the system libcrypto does not hash here");
        var random = new Random(8);
        Span<byte> hash = stackalloc byte[32];
        foreach (var length in (int[])[0, 1, 55, 56, 64, 700, 4096, 100_000])
        {
            var data = new byte[length];
            random.NextBytes(data);
            OpenSslSha256.Hash(data, hash);
            Assert.Equal(SHA256.HashData(data), hash.ToArray());
        }
    }

    [Fact]
    public void Hmac_TwoKeysInTurn_EachEqualsDotNetHmacOfTheJoinedInput()
    {
        var random = new Random(11);
        var firstKey = new byte[32];
        var secondKey = new byte[64];
        random.NextBytes(firstKey);
        random.NextBytes(secondKey);
        using var first = new OpenSslSha256.Hmac(firstKey);
        using var second = new OpenSslSha256.Hmac(secondKey);
        var domain = "mailmesh-tracking\0"u8.ToArray();
        Span<byte> mac = stackalloc byte[32];
        for (var i = 0; i < 5; i++)
        {
            var payload = new byte[100 + (i * 37)];
            random.NextBytes(payload);
            byte[] joined = [.. domain, .. payload];

            // Each context starts over from its own key after the other has been used.
            first.Compute(domain, payload, mac);
            Assert.Equal(HMACSHA256.HashData(firstKey, joined), mac.ToArray());
            second.Compute(domain, payload, mac);
            Assert.Equal(HMACSHA256.HashData(secondKey, joined), mac.ToArray());
        }
    }

    [Theory]
    [InlineData(32)]
    [InlineData(64)]
    [InlineData(65)]
    [InlineData(131)]
    public void Hmac_KeyOfLength_NativeAndManagedEqualDotNetHmac(int keyLength)
    {
        // A key longer than a block is hashed before its pads are made (RFC 2104); the pads' kept states must not leak
        // one MAC's input into the next.
        var random = new Random(keyLength);
        var key = new byte[keyLength];
        random.NextBytes(key);
        using var native = new OpenSslSha256.Hmac(key);
        using var managed = new OpenSslSha256.Hmac(key, native: false);
        Span<byte> mac = stackalloc byte[32];
        foreach (var length in (int[])[0, 1, 46, 47, 110, 4096, 4097, 20_000])
        {
            var payload = new byte[length];
            random.NextBytes(payload);
            byte[] joined = [.. "mailmesh-tracking\0"u8, .. payload];
            var expected = HMACSHA256.HashData(key, joined);
            native.Compute("mailmesh-tracking\0"u8, payload, mac);
            Assert.Equal(expected, mac.ToArray());
            managed.Compute("mailmesh-tracking\0"u8, payload, mac);
            Assert.Equal(expected, mac.ToArray());
        }
    }

    [Fact]
    public void Hmac_Rfc4231Case2_GivesItsMac()
    {
        using var hmac = new OpenSslSha256.Hmac("Jefe"u8.ToArray());
        Span<byte> mac = stackalloc byte[32];
        hmac.Compute("what do ya want "u8, "for nothing?"u8, mac);
        Assert.Equal("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", Convert.ToHexStringLower(mac));
    }
}
