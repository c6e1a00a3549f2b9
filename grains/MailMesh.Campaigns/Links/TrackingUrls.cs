namespace MailMesh.Campaigns.Links;

/// <summary>The public tracking URLs (served by the silo's tracking listener, see the engagement module):
/// <c>{base}/o/{token}.gif</c> open pixel, <c>{base}/c/{token}</c> click redirect, <c>{base}/u/{token}</c> unsubscribe
/// page (GET) and RFC 8058 one-click (POST), <c>{base}/f/{token}</c> hosted form.</summary>
public sealed class TrackingUrls
{
    /// <summary>Route templates, relative to the tracking listener's root.</summary>
    public const string OpenRoute = "/o/{token}.gif";

    /// <summary>The click redirect route.</summary>
    public const string ClickRoute = "/c/{token}";

    /// <summary>The unsubscribe route.</summary>
    public const string UnsubscribeRoute = "/u/{token}";

    /// <summary>The form route.</summary>
    public const string FormRoute = "/f/{token}";

    private readonly string _base;
    private readonly string _open;
    private readonly string _click;
    private readonly string _unsubscribe;
    private readonly string _form;
    private readonly TrackingTokenCodec _codec;

    /// <summary>URLs under <paramref name="publicBaseUrl"/> (e.g. <c>https://t.example.com</c>), signed by <paramref name="codec"/>.</summary>
    /// <exception cref="ArgumentException">The base is not an absolute http(s) URL.</exception>
    public TrackingUrls(string publicBaseUrl, TrackingTokenCodec codec)
    {
        ArgumentNullException.ThrowIfNull(codec);
        if (!Uri.TryCreate(publicBaseUrl, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            throw new ArgumentException($"The tracking base URL '{publicBaseUrl}' is not an absolute http(s) URL.", nameof(publicBaseUrl));
        }

        _base = publicBaseUrl.TrimEnd('/');
        _open = _base + "/o/";
        _click = _base + "/c/";
        _unsubscribe = _base + "/u/";
        _form = _base + "/f/";
        _codec = codec;
    }

    /// <summary>The public base URL (no trailing slash); links under it are MailMesh's own.</summary>
    public string BaseUrl => _base;

    /// <summary>The codec the URLs are signed with.</summary>
    public TrackingTokenCodec Codec => _codec;

    /// <summary>The open pixel URL.</summary>
    public string Open(TrackingClaims claims) => _codec.Encode(claims with { Kind = TrackingKind.Open }, _open, ".gif");

    /// <summary>The click URL for link <paramref name="linkIndex"/> going to <paramref name="target"/>.</summary>
    public string Click(TrackingClaims claims, int linkIndex, string target) =>
        _codec.Encode(claims with { Kind = TrackingKind.Click, LinkIndex = linkIndex, TargetUrl = target }, _click, string.Empty);

    /// <summary>The unsubscribe URL (page and one-click POST) for <paramref name="list"/> (null: all mail).</summary>
    public string Unsubscribe(TrackingClaims claims, string? list) =>
        _codec.Encode(claims with { Kind = TrackingKind.Unsubscribe, List = list }, _unsubscribe, string.Empty);

    /// <summary>The URL of form <paramref name="formId"/> for the contact.</summary>
    public string Form(TrackingClaims claims, string formId) => _codec.Encode(claims with { Kind = TrackingKind.Form, List = formId }, _form, string.Empty);
}
