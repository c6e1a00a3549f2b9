using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Text;
using MailMesh.Campaigns.Dkim;
using MailMesh.Testing;

namespace MailMesh.Campaigns.Tests.Dkim;

public sealed class Ed25519Tests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 8, 0, 0, TimeSpan.Zero);

    // RFC 8032 section 7.1, tests 1 to 3: secret key, public key, message, signature.
    public static TheoryData<string, string, string, string> Rfc8032Vectors => new()
    {
        {
            "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60", "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
        },
        {
            "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb", "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
            "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"
        },
        {
            "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7", "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
            "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"
        },
    };

    private static readonly byte[] Message = Encoding.ASCII.GetBytes(
        "From: Shop <news@example.com>\r\nTo: jane@example.net\r\nSubject: Spring sale\r\nDate: Mon, 23 Nov 2026 08:00:00 +0000\r\n"
        + "Message-ID: <ed.spring@example.com>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nHello Jane,\r\n");

    [SkippableTheory]
    [MemberData(nameof(Rfc8032Vectors))]
    public void OpenSslSign_Rfc8032Vectors_GiveTheSignature(string secret, string publicKey, string message, string signature)
    {
        RequireOpenSsl();
        using var key = OpenSslEd25519.Create(Convert.FromHexString(secret));

        Assert.Equal(publicKey, Convert.ToHexStringLower(key.PublicKey));
        Assert.Equal(signature, Convert.ToHexStringLower(key.Sign(Convert.FromHexString(message))));
    }

    [Theory]
    [MemberData(nameof(Rfc8032Vectors))]
    public void ManagedSign_Rfc8032Vectors_GiveTheSignature(string secret, string publicKey, string message, string signature)
    {
        var key = new Ed25519(Convert.FromHexString(secret));

        Assert.Equal(publicKey, Convert.ToHexStringLower(key.PublicKey));
        Assert.Equal(signature, Convert.ToHexStringLower(key.Sign(Convert.FromHexString(message))));
    }

    [SkippableFact]
    public void OpenSslSign_SeededSeeds_MatchTheManagedImplementation()
    {
        RequireOpenSsl();
        var random = new Random(8032);
        for (var i = 0; i < 8; i++)
        {
            var seed = new byte[32];
            var data = new byte[random.Next(0, 300)];
            random.NextBytes(seed);
            random.NextBytes(data);
            using var native = OpenSslEd25519.Create(seed);
            var managed = new Ed25519(seed);

            Assert.Equal(managed.PublicKey, native.PublicKey);
            Assert.Equal(managed.Sign(data), native.Sign(data));
        }
    }

    [SkippableFact]
    public void OpenSslSign_ManyMessagesOnParallelThreads_MatchTheManagedImplementation()
    {
        RequireOpenSsl();
        var seed = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();
        using var native = OpenSslEd25519.Create(seed);
        var managed = new Ed25519(seed);
        var messages = Enumerable.Range(0, 64).Select(i => Encoding.ASCII.GetBytes($"message {i} " + new string('x', i * 7))).ToArray();

        var signatures = new byte[messages.Length][];
        Parallel.For(0, messages.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => signatures[i] = native.Sign(messages[i]));

        for (var i = 0; i < messages.Length; i++)
        {
            Assert.Equal(managed.Sign(messages[i]), signatures[i]);
        }
    }

    [SkippableFact]
    public void OpenSslSign_AfterDispose_Throws()
    {
        RequireOpenSsl();
        var native = OpenSslEd25519.Create(new byte[32]);
        native.Sign(Message);
        native.Dispose();

        Assert.Throws<ObjectDisposedException>(() => native.Sign(Message));
    }

    [SkippableFact]
    public void Sign_OpenSslAndManagedKeys_GiveTheSameDkimField()
    {
        RequireOpenSsl();
        var seed = SHA256.HashData("same seed"u8);
        using var native = DkimKey.OpenSslEd25519FromSeed(seed);
        using var managed = DkimKey.ManagedEd25519FromSeed(seed);

        var nativeField = new DkimSigner("example.com", "ed", native).SignatureField(Message, Now);
        var managedField = new DkimSigner("example.com", "ed", managed).SignatureField(Message, Now);

        Assert.Equal(managedField, nativeField);
        Assert.Equal(managed.DnsRecord, native.DnsRecord);
    }

    [SkippableFact]
    public async Task Sign_Ed25519TamperedBody_FailsVerification()
    {
        var signer = DkimSignerTests.Ed25519Signer();
        var signed = Encoding.ASCII.GetString(signer.Sign(Message, Now));
        Assert.Equal("pass", await DkimVerifier.VerifyAsync(Encoding.ASCII.GetBytes(signed), DkimSignerTests.Records(signer)));

        var tampered = Encoding.ASCII.GetBytes(signed.Replace("Hello Jane", "Hello Joan", StringComparison.Ordinal));

        Assert.StartsWith("fail", await DkimVerifier.VerifyAsync(tampered, DkimSignerTests.Records(signer)), StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Sign_Ed25519TamperedSignature_FailsVerification()
    {
        var signer = DkimSignerTests.Ed25519Signer();
        var signed = Encoding.ASCII.GetString(signer.Sign(Message, Now));
        var b = signed.IndexOf("b=", signed.IndexOf("bh=", StringComparison.Ordinal) + 3, StringComparison.Ordinal) + 2;

        var tampered = signed[..b] + (signed[b] == 'A' ? 'B' : 'A') + signed[(b + 1)..];

        Assert.StartsWith("fail", await DkimVerifier.VerifyAsync(Encoding.ASCII.GetBytes(tampered), DkimSignerTests.Records(signer)), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(31)]
    [InlineData(33)]
    [InlineData(64)]
    public void FromEd25519Seed_WrongLength_SaysTheLength(int length)
    {
        var error = Assert.Throws<ArgumentException>(() => DkimKey.FromEd25519Seed(new byte[length]));

        Assert.Contains($"32 bytes, not {length}", error.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void OpenSslCreate_WrongLength_SaysTheLength()
    {
        RequireOpenSsl();

        var error = Assert.Throws<ArgumentException>(() => OpenSslEd25519.Create(new byte[31]));

        Assert.Contains("32 bytes, not 31", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromPem_Ed25519KeyOfWrongLength_SaysTheLength()
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteInteger(0);
            using (writer.PushSequence())
            {
                writer.WriteObjectIdentifier("1.3.101.112");
            }

            var inner = new AsnWriter(AsnEncodingRules.DER);
            inner.WriteOctetString(new byte[31]);
            writer.WriteOctetString(inner.Encode());
        }

        var pem = PemEncoding.WriteString("PRIVATE KEY", writer.Encode());

        var error = Assert.Throws<ArgumentException>(() => DkimKey.FromPem(pem));

        Assert.Contains("32 bytes, not 31", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Ed25519Implementation_OnThisMachine_NamesTheLibraryOrWhyNot()
    {
        var implementation = DkimKey.Ed25519Implementation;

        var expected = SodiumEd25519.IsAvailable ? "libsodium"
            : OpenSslEd25519.IsAvailable ? $"openssl ({SodiumEd25519.UnavailableReason})"
            : $"managed ({SodiumEd25519.UnavailableReason}; {OpenSslEd25519.UnavailableReason})";
        Assert.Equal(expected, implementation);
    }

    private static void RequireOpenSsl() =>
        Skip.IfNot(OpenSslEd25519.IsAvailable, "the system libcrypto cannot sign Ed25519 here: " + OpenSslEd25519.UnavailableReason);
}
