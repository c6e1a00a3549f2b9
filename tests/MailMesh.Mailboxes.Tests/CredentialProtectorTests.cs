using System.Security.Cryptography;
using MailMesh.Grains.Mailboxes.Sync;
using Microsoft.Extensions.Options;

namespace MailMesh.Mailboxes.Tests;

/// <summary>Key rotation (docs/adr/sync-02-credential-key-rotation.md): a new current key, the old one kept under
/// Mailboxes:RetiredCredentialKeys.</summary>
public sealed class CredentialProtectorTests
{
    private static readonly string s_old = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    private static readonly string s_new = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    [Fact]
    public void Unprotect_AfterRotationWithOldKeyRetired_ReadsOldCiphertextAndProtectsWithNewKey()
    {
        var before = Protector(s_old, "k1");
        var stored = before.Protect("hunter2", "acme/box");

        var after = Protector(s_new, "k2", ("k1", s_old));

        Assert.Equal("hunter2", after.Unprotect(stored, "acme/box"));
        var rewritten = after.Protect("hunter2", "acme/box");
        Assert.Equal("k2", rewritten.KeyId);
        Assert.Equal("hunter2", after.Unprotect(rewritten, "acme/box"));
    }

    [Fact]
    public void Unprotect_OldKeyDroppedAfterRotation_ThrowsNamingTheMissingKey()
    {
        var stored = Protector(s_old, "k1").Protect("hunter2", "acme/box");

        var error = Assert.Throws<CryptographicException>(() => Protector(s_new, "k2").Unprotect(stored, "acme/box"));

        Assert.Contains("'k1'", error.Message, StringComparison.Ordinal);
        Assert.Contains("RetiredCredentialKeys", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unprotect_CiphertextOfAnotherMailbox_Throws()
    {
        var protector = Protector(s_old, "k1");
        var stored = protector.Protect("hunter2", "acme/box");

        Assert.ThrowsAny<CryptographicException>(() => protector.Unprotect(stored, "acme/other"));
    }

    [Fact]
    public void Protect_SameSecretTwice_NeverRepeatsNonceOrCiphertextOrPlaintext()
    {
        var protector = Protector(s_old, "k1");

        var a = protector.Protect("hunter2", "acme/box");
        var b = protector.Protect("hunter2", "acme/box");

        Assert.NotEqual(a.Nonce, b.Nonce);
        Assert.NotEqual(a.Ciphertext, b.Ciphertext);
        Assert.DoesNotContain("hunter2", a.Ciphertext, StringComparison.Ordinal);
    }

    private static CredentialProtector Protector(string key, string id, params (string Id, string Key)[] retired)
    {
        var options = new MailboxSyncOptions { CredentialKey = key, CredentialKeyId = id };
        foreach (var (retiredId, retiredKey) in retired)
        {
            options.RetiredCredentialKeys[retiredId] = retiredKey;
        }

        Assert.True(new MailboxSyncOptionsValidator().Validate(null, options).Succeeded);
        return new CredentialProtector(Options.Create(options));
    }
}
