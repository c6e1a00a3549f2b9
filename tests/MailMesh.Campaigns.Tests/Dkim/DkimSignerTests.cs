using System.Security.Cryptography;
using System.Text;
using MailMesh.Campaigns.Dkim;
using MailMesh.Testing;

namespace MailMesh.Campaigns.Tests.Dkim;

public sealed class DkimSignerTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 8, 0, 0, TimeSpan.Zero);

    private static readonly byte[] Message = Encoding.ASCII.GetBytes(
        "From: Shop <news@example.com>\r\nTo: jane@example.net\r\nSubject: Spring   sale\r\n\tis here\r\nDate: Mon, 23 Nov 2026 08:00:00 +0000\r\n"
        + "Message-ID: <abc.spring@example.com>\r\nList-Unsubscribe: <https://t.example.com/u/x>, <mailto:unsubscribe+x@bounces.example.com>\r\n"
        + "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
        + "Hello Jane,  \r\n\r\nspaces \t here\r\n\r\n\r\n");

    internal static DkimSigner RsaSigner(string domain = "example.com")
    {
        using var rsa = RSA.Create(2048);
        return new DkimSigner(domain, "mm2026", DkimKey.FromPem(rsa.ExportPkcs8PrivateKeyPem()));
    }

    internal static DkimSigner Ed25519Signer(string domain = "example.com") =>
        new(domain, "mm-ed", DkimKey.FromEd25519Seed(SHA256.HashData("test seed"u8)));

    internal static Dictionary<string, string> Records(params DkimSigner[] signers) => signers.ToDictionary(s => s.DnsName, s => s.DnsRecord);

    [SkippableFact]
    public async Task Sign_Rsa_VerifiedByDkimpy()
    {
        var signer = RsaSigner();

        var signed = signer.Sign(Message, Now);

        Assert.Equal("pass", await DkimVerifier.VerifyAsync(signed, Records(signer)));
    }

    [SkippableFact]
    public async Task Sign_Ed25519_VerifiedByDkimpy()
    {
        var signer = Ed25519Signer();

        var signed = signer.Sign(Message, Now);

        Assert.Contains("a=ed25519-sha256", Encoding.ASCII.GetString(signed), StringComparison.Ordinal);
        Assert.Equal("pass", await DkimVerifier.VerifyAsync(signed, Records(signer)));
    }

    [SkippableFact]
    public async Task Sign_TamperedBody_FailsVerification()
    {
        var signer = RsaSigner();
        var signed = Encoding.ASCII.GetString(signer.Sign(Message, Now));

        var tampered = Encoding.ASCII.GetBytes(signed.Replace("Hello Jane", "Hello Joan", StringComparison.Ordinal));

        Assert.StartsWith("fail", await DkimVerifier.VerifyAsync(tampered, Records(signer)), StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Sign_TamperedListUnsubscribe_FailsVerification()
    {
        var signer = Ed25519Signer();
        var signed = Encoding.ASCII.GetString(signer.Sign(Message, Now));

        var tampered = Encoding.ASCII.GetBytes(signed.Replace("https://t.example.com/u/x", "https://evil.example/u/x", StringComparison.Ordinal));

        Assert.StartsWith("fail", await DkimVerifier.VerifyAsync(tampered, Records(signer)), StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Sign_SecondFromAddedInTransit_FailsVerification()
    {
        var signer = RsaSigner();
        var signed = Encoding.ASCII.GetString(signer.Sign(Message, Now));

        var tampered = Encoding.ASCII.GetBytes(signed.Replace("MIME-Version: 1.0\r\n", "MIME-Version: 1.0\r\nFrom: attacker@evil.example\r\n", StringComparison.Ordinal));

        Assert.StartsWith("fail", await DkimVerifier.VerifyAsync(tampered, Records(signer)), StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Sign_RefoldedHeadersAndBodyWhitespace_StillVerifies()
    {
        var signer = RsaSigner();
        var signed = Encoding.ASCII.GetString(signer.Sign(Message, Now));

        // What relaxed canonicalization forgives: refolding, whitespace runs, trailing whitespace and empty lines at the end.
        var relaxed = signed.Replace("Subject: Spring   sale\r\n\tis here", "Subject: Spring sale is\r\n here", StringComparison.Ordinal)
            .Replace("spaces \t here\r\n", "spaces here   \r\n", StringComparison.Ordinal) + "\r\n\r\n";

        Assert.Equal("pass", await DkimVerifier.VerifyAsync(Encoding.ASCII.GetBytes(relaxed), Records(signer)));
    }

    [Fact]
    public void Sign_Headers_ListsSignedAndOverSignedFields()
    {
        var field = RsaSigner().SignatureField(Message, Now);

        Assert.StartsWith("DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com; s=mm2026;", field, StringComparison.Ordinal);
        Assert.Contains(
            "h=from:from:to:subject:subject:date:message-id:list-unsubscribe:list-unsubscribe:list-unsubscribe-post:list-unsubscribe-post:mime-version:content-type;",
            field, StringComparison.Ordinal);
        Assert.Contains($"t={Now.ToUnixTimeSeconds()};", field, StringComparison.Ordinal);
        Assert.All(field.Split("\r\n", StringSplitOptions.RemoveEmptyEntries), line => Assert.True(line.Length < 998));
    }

    [SkippableFact]
    public async Task Sign_HundredsOfRecipientFields_FoldsTheHeaderListAndVerifies()
    {
        var signer = Ed25519Signer();
        var to = string.Concat(Enumerable.Range(0, 400).Select(i => $"To: user{i}@example.net\r\n"));
        var message = Encoding.ASCII.GetBytes("From: news@example.com\r\n" + to + "Subject: many\r\n\r\nHello\r\n");

        var signed = signer.Sign(message, Now);

        var field = signer.SignatureField(message, Now);
        Assert.All(field.Split("\r\n"), line => Assert.True(line.Length < 998, $"a line of {line.Length} octets"));
        Assert.Equal("pass", await DkimVerifier.VerifyAsync(signed, Records(signer)));
    }

    [Fact]
    public void Ed25519_Rfc8032TestVector1_GivesTheSignature()
    {
        var key = new Ed25519(Convert.FromHexString("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"));

        Assert.Equal("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", Convert.ToHexStringLower(key.PublicKey));
        Assert.Equal(
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
            Convert.ToHexStringLower(key.Sign([])));
    }

    [Fact]
    public void FromPem_Ed25519Pkcs8_ReadsTheSeed()
    {
        // openssl genpkey -algorithm ed25519 (RFC 8410 example key).
        const string Pem = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC\n-----END PRIVATE KEY-----\n";

        using var key = DkimKey.FromPem(Pem);

        Assert.Equal(DkimAlgorithm.Ed25519Sha256, key.Algorithm);
        Assert.Equal("v=DKIM1; k=ed25519; p=Gb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=", key.DnsRecord);
    }

    [Theory]
    [InlineData("not a key", "is not PEM")]
    [InlineData("-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n-----END PUBLIC KEY-----", "a private key")]
    public void FromPem_NotAPrivateKey_SaysWhy(string pem, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() => DkimKey.FromPem(pem));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromPem_ShortRsaKey_IsRefused()
    {
        using var rsa = RSA.Create(512);

        var error = Assert.Throws<ArgumentException>(() => DkimKey.FromPem(rsa.ExportRSAPrivateKeyPem()));

        Assert.Contains("has 512 bits; at least 1024", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Find_SubdomainSender_UsesTheParentDomainsKey()
    {
        var set = new DkimSignerSet([RsaSigner("example.com"), Ed25519Signer("mail.other.org")]);

        Assert.Equal("example.com", set.Find("news.example.com")?.Domain);
        Assert.Equal("mail.other.org", set.Find("MAIL.other.org")?.Domain);
        Assert.Null(set.Find("other.org"));
    }
}
