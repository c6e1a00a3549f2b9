using MailMesh.Campaigns.Dkim;
using MailMesh.Testing;

namespace MailMesh.Campaigns.Tests.Dkim;

/// <summary>Signing contexts stay initialized for their key between signatures: every signature must still be the one
/// RFC 8032 gives, whatever the context signed before.</summary>
public sealed class OpenSslEd25519ContextTests
{
    // RFC 8032 section 7.1, test 2 (one-byte message) and test 3 (two bytes), which share nothing but the algorithm.
    private const string Secret2 = "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb";
    private const string Message2 = "72";
    private const string Signature2 =
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00";

    private const string Secret3 = "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7";
    private const string Message3 = "af82";
    private const string Signature3 =
        "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a";

    [SkippableFact]
    public void Sign_ManyTimesOnOneThread_EachSignatureIsTheRfc8032One()
    {
        Skip.IfNot(OpenSslEd25519.IsAvailable, "the system libcrypto cannot sign Ed25519 here: " + OpenSslEd25519.UnavailableReason);
        using var key = OpenSslEd25519.Create(Convert.FromHexString(Secret2));
        var other = Convert.FromHexString(Message3);

        for (var i = 0; i < 5; i++)
        {
            // The same context signs another message in between: it must keep nothing of it.
            Assert.Equal(Signature2, Convert.ToHexStringLower(key.Sign(Convert.FromHexString(Message2))));
            Assert.Equal(64, key.Sign(other).Length);
        }
    }

    [SkippableFact]
    public void Sign_TwoKeysInTurn_EachKeepsItsOwnContexts()
    {
        Skip.IfNot(OpenSslEd25519.IsAvailable, "the system libcrypto cannot sign Ed25519 here: " + OpenSslEd25519.UnavailableReason);
        using var second = OpenSslEd25519.Create(Convert.FromHexString(Secret2));
        using var third = OpenSslEd25519.Create(Convert.FromHexString(Secret3));

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(Signature2, Convert.ToHexStringLower(second.Sign(Convert.FromHexString(Message2))));
            Assert.Equal(Signature3, Convert.ToHexStringLower(third.Sign(Convert.FromHexString(Message3))));
        }
    }
}
