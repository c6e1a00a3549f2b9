using System.Security.Cryptography;
using System.Text;
using MailMesh.Runtime;

namespace MailMesh.Api.Authentication;

/// <summary>
/// API key secrets: <c>mm_{tenant}_{keyId}_{random}</c>. The tenant and key id tell the server
/// where to look; the 256 random bits are the secret, stored only as their SHA-256 (a slow hash
/// adds nothing for random secrets of that size).
/// </summary>
internal static class ApiKeySecret
{
    private const string Prefix = "mm";

    public static (string KeyId, string Secret, byte[] Hash) Generate(string tenant)
    {
        var keyId = "k" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var random = Base64Url(RandomNumberGenerator.GetBytes(32));
        var secret = $"{Prefix}_{tenant}_{keyId}_{random}";
        return (keyId, secret, Hash(random));
    }

    /// <summary>Splits a secret; false (with the reason) when it is not one of ours.</summary>
    public static bool TryParse(string secret, out string tenant, out string keyId, out byte[] hash, out string problem)
    {
        tenant = keyId = problem = "";
        hash = [];
        var parts = secret.Split('_', 4);
        if (parts.Length != 4 || parts[0] != Prefix)
        {
            problem = "the API key is malformed: expected mm_<tenant>_<key id>_<secret>";
            return false;
        }

        if (GrainKey.ValidateTenant(parts[1]) is not null || parts[2].Length != 17 || parts[3].Length < 32)
        {
            problem = "the API key is malformed: its tenant, key id or secret part is not valid";
            return false;
        }

        tenant = parts[1];
        keyId = parts[2];
        hash = Hash(parts[3]);
        return true;
    }

    private static byte[] Hash(string random) => SHA256.HashData(Encoding.ASCII.GetBytes(random));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
