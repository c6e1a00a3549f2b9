using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;

namespace MailMesh.SmokeTests.Support;

/// <summary>
/// Signs a Blob service request with SharedKey (the 2015-02-21+ string-to-sign). With path-style
/// URLs (Azurite: http://host:port/account/container/blob) the canonicalized resource is
/// "/account" + the URL path, so the account appears twice.
/// </summary>
internal static class BlobSharedKey
{
    public const string ApiVersion = "2021-08-06";

    public static void Sign(HttpRequestMessage request, string account, string base64Key, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(request);
        var uri = request.RequestUri ?? throw new ArgumentException("The request has no URI.", nameof(request));
        request.Headers.Remove("x-ms-date");
        request.Headers.Remove("x-ms-version");
        request.Headers.TryAddWithoutValidation("x-ms-date", now.UtcDateTime.ToString("R", CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation("x-ms-version", ApiVersion);

        var content = request.Content;
        long? length = content?.Headers.ContentLength;
        var sb = new StringBuilder();
        sb.Append(request.Method.Method).Append('\n')
          .Append(Header(content?.Headers.ContentEncoding)).Append('\n')
          .Append(Header(content?.Headers.ContentLanguage)).Append('\n')
          .Append(length is null or 0 ? string.Empty : length.Value.ToString(CultureInfo.InvariantCulture)).Append('\n')
          .Append(content?.Headers.ContentMD5 is { } md5 ? Convert.ToBase64String(md5) : string.Empty).Append('\n')
          .Append(content?.Headers.ContentType?.ToString() ?? string.Empty).Append('\n')
          .Append('\n') // Date: x-ms-date is used instead
          .Append(Header(request.Headers.IfModifiedSince)).Append('\n')
          .Append(Header(request.Headers.IfMatch)).Append('\n')
          .Append(Header(request.Headers.IfNoneMatch)).Append('\n')
          .Append(Header(request.Headers.IfUnmodifiedSince)).Append('\n')
          .Append(request.Headers.Range?.ToString() ?? string.Empty).Append('\n');

        var msHeaders = request.Headers
            .Where(h => h.Key.StartsWith("x-ms-", StringComparison.OrdinalIgnoreCase))
            .Select(h => (Name: h.Key.ToLowerInvariant(), Value: string.Join(",", h.Value).Trim()))
            .OrderBy(h => h.Name, StringComparer.Ordinal);
        foreach (var (name, value) in msHeaders)
        {
            sb.Append(name).Append(':').Append(value).Append('\n');
        }

        sb.Append('/').Append(account).Append(uri.AbsolutePath);
        var query = uri.Query.TrimStart('?');
        if (query.Length > 0)
        {
            var parameters = query.Split('&', StringSplitOptions.RemoveEmptyEntries)
                .Select(p => p.Split('=', 2))
                .GroupBy(p => Uri.UnescapeDataString(p[0]).ToLowerInvariant(), p => p.Length > 1 ? Uri.UnescapeDataString(p[1]) : string.Empty)
                .OrderBy(g => g.Key, StringComparer.Ordinal);
            foreach (var group in parameters)
            {
                sb.Append('\n').Append(group.Key).Append(':').Append(string.Join(",", group.Order(StringComparer.Ordinal)));
            }
        }

        var signature = Convert.ToBase64String(HMACSHA256.HashData(Convert.FromBase64String(base64Key), Encoding.UTF8.GetBytes(sb.ToString())));
        request.Headers.Authorization = new AuthenticationHeaderValue("SharedKey", $"{account}:{signature}");
    }

    private static string Header(ICollection<string>? values) => values is null || values.Count == 0 ? string.Empty : string.Join(",", values);

    private static string Header(DateTimeOffset? value) => value?.ToString("R", CultureInfo.InvariantCulture) ?? string.Empty;

    private static string Header(HttpHeaderValueCollection<EntityTagHeaderValue> values) => values.Count == 0 ? string.Empty : string.Join(",", values);
}
