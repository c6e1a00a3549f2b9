using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;

namespace MailMesh.Blobs.Azure;

/// <summary>Signs requests with the storage account key (Azure Storage "SharedKey" authorization).</summary>
public sealed class SharedKeySigner
{
    private readonly string _accountName;
    private readonly byte[] _key;

    /// <summary>Creates a signer.</summary>
    public SharedKeySigner(string accountName, string base64Key)
    {
        _accountName = accountName;
        _key = Convert.FromBase64String(base64Key);
    }

    /// <summary>Adds the Authorization header. Call after every other header and the content are set.</summary>
    public void Sign(HttpRequestMessage request)
    {
        var signature = Convert.ToBase64String(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(StringToSign(request))));
        request.Headers.Authorization = new AuthenticationHeaderValue("SharedKey", $"{_accountName}:{signature}");
    }

    /// <summary>The canonical string the signature covers.</summary>
    public string StringToSign(HttpRequestMessage request)
    {
        var content = request.Content?.Headers;
        var length = content?.ContentLength is > 0 ? content.ContentLength.Value.ToString(System.Globalization.CultureInfo.InvariantCulture) : "";
        var md5 = content?.ContentMD5 is { } m ? Convert.ToBase64String(m) : "";
        var sb = new StringBuilder();
        sb.Append(request.Method.Method).Append('\n')
            .Append(Joined(content, "Content-Encoding")).Append('\n')
            .Append(Joined(content, "Content-Language")).Append('\n')
            .Append(length).Append('\n')
            .Append(md5).Append('\n')
            .Append(content?.ContentType?.ToString() ?? "").Append('\n')
            .Append('\n') // Date: x-ms-date is used instead
            .Append(Joined(request.Headers, "If-Modified-Since")).Append('\n')
            .Append(Joined(request.Headers, "If-Match")).Append('\n')
            .Append(Joined(request.Headers, "If-None-Match")).Append('\n')
            .Append(Joined(request.Headers, "If-Unmodified-Since")).Append('\n')
            .Append(Joined(request.Headers, "Range")).Append('\n');
        foreach (var header in request.Headers
                     .Where(h => h.Key.StartsWith("x-ms-", StringComparison.OrdinalIgnoreCase))
                     .Select(h => (Name: h.Key.ToLowerInvariant(), Value: string.Join(",", h.Value).Trim()))
                     .OrderBy(h => h.Name, StringComparer.Ordinal))
        {
            sb.Append(header.Name).Append(':').Append(header.Value).Append('\n');
        }

        var uri = request.RequestUri!;
        sb.Append('/').Append(_accountName).Append(uri.AbsolutePath);
        foreach (var (name, values) in ParseQuery(uri.Query).OrderBy(q => q.Key, StringComparer.Ordinal))
        {
            sb.Append('\n').Append(name).Append(':').Append(string.Join(",", values.Order(StringComparer.Ordinal)));
        }

        return sb.ToString();
    }

    private static string Joined(HttpHeaders? headers, string name) =>
        headers is not null && headers.TryGetValues(name, out var values) ? string.Join(",", values) : "";

    private static Dictionary<string, List<string>> ParseQuery(string query)
    {
        var result = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var pair in query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var name = Uri.UnescapeDataString(eq < 0 ? pair : pair[..eq]).ToLowerInvariant();
            var value = eq < 0 ? "" : Uri.UnescapeDataString(pair[(eq + 1)..]);
            if (!result.TryGetValue(name, out var list))
            {
                result[name] = list = [];
            }

            list.Add(value);
        }

        return result;
    }
}
