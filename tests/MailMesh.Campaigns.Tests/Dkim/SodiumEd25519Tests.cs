using System.Security.Cryptography;
using System.Text;
using MailMesh.Campaigns.Dkim;
using MailMesh.Testing;

namespace MailMesh.Campaigns.Tests.Dkim;

/// <summary>libsodium's Ed25519 (the default signer wherever its native library loads) against RFC 8032 and the two
/// other implementations: Ed25519 is deterministic, so every implementation must give the same bytes.</summary>
public sealed class SodiumEd25519Tests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 8, 0, 0, TimeSpan.Zero);

    private static readonly byte[] Message = Encoding.ASCII.GetBytes(
        "From: Shop <news@example.com>\r\nTo: jane@example.net\r\nSubject: Autumn sale\r\nDate: Tue, 24 Nov 2026 08:00:00 +0000\r\n"
        + "Message-ID: <sodium.autumn@example.com>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nHello Jane,\r\n");

    [SkippableTheory]
    [MemberData(nameof(Ed25519Tests.Rfc8032Vectors), MemberType = typeof(Ed25519Tests))]
    public void Sign_Rfc8032Vectors_GiveTheSignature(string secret, string publicKey, string message, string signature)
    {
        RequireSodium();
        using var key = SodiumEd25519.Create(Convert.FromHexString(secret));

        Assert.Equal(publicKey, Convert.ToHexStringLower(key.PublicKey));
        Assert.Equal(signature, Convert.ToHexStringLower(key.Sign(Convert.FromHexString(message))));
    }

    [SkippableFact]
    public void Sign_SeededSeeds_MatchTheManagedImplementation()
    {
        RequireSodium();
        var random = new Random(8463);
        for (var i = 0; i < 8; i++)
        {
            var seed = new byte[32];
            var data = new byte[random.Next(0, 300)];
            random.NextBytes(seed);
            random.NextBytes(data);
            using var sodium = SodiumEd25519.Create(seed);
            var managed = new Ed25519(seed);

            Assert.Equal(managed.PublicKey, sodium.PublicKey);
            Assert.Equal(managed.Sign(data), sodium.Sign(data));
        }
    }

    [SkippableFact]
    public void Sign_ManyMessagesOnParallelThreads_MatchTheManagedImplementation()
    {
        RequireSodium();
        var seed = Enumerable.Range(7, 32).Select(i => (byte)i).ToArray();
        using var sodium = SodiumEd25519.Create(seed);
        var managed = new Ed25519(seed);
        var messages = Enumerable.Range(0, 64).Select(i => Encoding.ASCII.GetBytes($"message {i} " + new string('y', i * 5))).ToArray();

        var signatures = new byte[messages.Length][];
        Parallel.For(0, messages.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => signatures[i] = sodium.Sign(messages[i]));

        for (var i = 0; i < messages.Length; i++)
        {
            Assert.Equal(managed.Sign(messages[i]), signatures[i]);
        }
    }

    [SkippableFact]
    public void Sign_SodiumAndOpenSslKeys_GiveTheSameDkimField()
    {
        RequireSodium();
        Skip.IfNot(OpenSslEd25519.IsAvailable, "the system libcrypto cannot sign Ed25519 here: " + OpenSslEd25519.UnavailableReason);
        var seed = SHA256.HashData("one seed, two libraries"u8);
        using var sodium = DkimKey.FromEd25519Seed(seed);
        using var openSsl = DkimKey.OpenSslEd25519FromSeed(seed);

        var sodiumField = new DkimSigner("example.com", "ed", sodium).SignatureField(Message, Now);
        var openSslField = new DkimSigner("example.com", "ed", openSsl).SignatureField(Message, Now);

        Assert.Equal("libsodium", DkimKey.Ed25519Implementation);
        Assert.Equal(openSslField, sodiumField);
        Assert.Equal(openSsl.DnsRecord, sodium.DnsRecord);
    }

    [SkippableFact]
    public void Sign_AfterDispose_Throws()
    {
        RequireSodium();
        var key = SodiumEd25519.Create(new byte[32]);
        key.Sign(Message);
        key.Dispose();

        Assert.Throws<ObjectDisposedException>(() => key.Sign(Message));
    }

    [SkippableFact]
    public void Sign_ShortSignatureBuffer_SaysTheLength()
    {
        RequireSodium();
        using var key = SodiumEd25519.Create(new byte[32]);

        var error = Assert.Throws<ArgumentException>(() => key.Sign(Message, new byte[63]));

        Assert.Contains("the buffer has 63", error.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Create_WrongLength_SaysTheLength()
    {
        RequireSodium();

        var error = Assert.Throws<ArgumentException>(() => SodiumEd25519.Create(new byte[33]));

        Assert.Contains("32 bytes, not 33", error.Message, StringComparison.Ordinal);
    }

    private static void RequireSodium() =>
        Skip.IfNot(SodiumEd25519.IsAvailable, "libsodium cannot sign Ed25519 here: " + SodiumEd25519.UnavailableReason);
}
