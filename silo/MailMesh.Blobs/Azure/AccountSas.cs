using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace MailMesh.Blobs.Azure;

/// <summary>Creates account SAS tokens for the blob service, signed with the account key, so a silo can be
/// given a time-limited token instead of the key.</summary>
public static class AccountSas
{
    /// <summary>The service version the tokens are signed for.</summary>
    public const string Version = "2021-08-06";

    /// <summary>Returns a SAS token (without the leading '?').</summary>
    /// <param name="accountName">Storage account.</param>
    /// <param name="base64Key">Its key.</param>
    /// <param name="permissions">Permission letters in the order r w d l a c (e.g. <c>rwdlac</c>).</param>
    /// <param name="expiresOn">When the token stops working.</param>
    /// <param name="startsOn">When it starts working (default: now minus 5 minutes for clock skew).</param>
    public static string Create(string accountName, string base64Key, string permissions, DateTimeOffset expiresOn, DateTimeOffset? startsOn = null)
    {
        const string services = "b";
        const string resourceTypes = "sco";
        const string protocol = "https,http";
        var start = Format(startsOn ?? DateTimeOffset.UtcNow.AddMinutes(-5));
        var expiry = Format(expiresOn);
        var stringToSign = string.Join('\n', accountName, permissions, services, resourceTypes, start, expiry, "", protocol, Version, "", "");
        var signature = Convert.ToBase64String(HMACSHA256.HashData(Convert.FromBase64String(base64Key), Encoding.UTF8.GetBytes(stringToSign)));
        return $"sv={Version}&ss={services}&srt={resourceTypes}&sp={permissions}&st={Uri.EscapeDataString(start)}" +
               $"&se={Uri.EscapeDataString(expiry)}&spr={Uri.EscapeDataString(protocol)}&sig={Uri.EscapeDataString(signature)}";
    }

    private static string Format(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
}
