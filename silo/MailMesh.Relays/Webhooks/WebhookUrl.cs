namespace MailMesh.Relays.Webhooks;

/// <summary>Checks of a webhook target URL.</summary>
public static class WebhookUrl
{
    /// <summary>Longest URL accepted.</summary>
    public const int MaxLength = 2000;

    /// <summary>Null when <paramref name="url"/> is an acceptable target, otherwise what is wrong.</summary>
    public static string? Validate(string? url)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            return "it is empty";
        }

        if (url.Length > MaxLength)
        {
            return $"it is {url.Length} characters long; at most {MaxLength} are allowed";
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            return "it must be an absolute http:// or https:// URL";
        }

        if (uri.UserInfo.Length > 0)
        {
            return "it must not carry a user name or password (authenticate receivers by the signature)";
        }

        if (uri.Fragment.Length > 0)
        {
            return "it must not have a #fragment";
        }

        return null;
    }

    /// <summary>The URL without user info, for messages.</summary>
    public static string Redact(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.UserInfo.Length > 0
            ? uri.GetComponents(UriComponents.AbsoluteUri & ~UriComponents.UserInfo, UriFormat.UriEscaped)
            : url;
}
