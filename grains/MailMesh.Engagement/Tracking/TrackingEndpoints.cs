using System.Buffers;
using System.Net;
using MailMesh.Campaigns.Links;
using MailMesh.Engagement.Classification;
using MailMesh.Grains.Campaigns;
using MailMesh.Grains.Contacts;
using MailMesh.Runtime;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace MailMesh.Engagement.Tracking;

/// <summary>The public endpoints a recipient's mail client or browser hits. Opens and clicks answer from memory (token check,
/// classification, queue); the unsubscribe and form pages call the contact grain because the person waits for the
/// outcome. Bad tokens get 400 (malformed), 404 (bad signature, unknown key, wrong kind, unknown contact or campaign) or
/// 410 (expired), with bodies that say nothing about tenants, campaigns or contacts.</summary>
public sealed partial class TrackingEndpoints
{
    private static readonly byte[] Gif = Convert.FromBase64String("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7");

    // Header values made once: assigning a StringValues that holds a string allocates nothing per response.
    private static readonly StringValues GifType = "image/gif";
    private static readonly StringValues CacheControl = "no-store, no-cache, must-revalidate, private, max-age=0";
    private static readonly StringValues Pragma = "no-cache";
    private static readonly StringValues Expires = "0";
    private static readonly StringValues NoSniff = "nosniff";
    private static readonly StringValues NoReferrer = "no-referrer";
    private static readonly StringValues HtmlType = "text/html; charset=utf-8";

    private readonly TrackingTokenCodec _codec;
    private readonly HitClassifier _classifier;
    private readonly TrackingHitQueue _queue;
    private readonly IGrainFactory _grains;
    private readonly TimeProvider _time;
    private readonly TrackingListenerOptions _options;
    private readonly ISendLogReader? _sendLog;
    private readonly FormNonce _nonce;
    private readonly IpNetwork[] _proxies;
    private readonly ILogger _logger;
    private const int MaxLocations = 4096;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string?> _locations = new(StringComparer.Ordinal);
    private readonly StringValues _retryAfter;
    private readonly string _retryPage;

    /// <summary>The endpoints over the silo's services.</summary>
    public TrackingEndpoints(
        TrackingTokenCodec codec, TrackingKeyRing keys, HitClassifier classifier, TrackingHitQueue queue, IGrainFactory grains, TimeProvider time,
        IOptions<TrackingListenerOptions> options, ILogger<TrackingEndpoints> logger, ISendLogReader? sendLog = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _codec = codec;
        _classifier = classifier;
        _queue = queue;
        _grains = grains;
        _time = time;
        _options = options.Value;
        _sendLog = sendLog;
        _nonce = new FormNonce(keys);
        _proxies = [.. _options.TrustedProxies.Select(IpNetwork.Parse)];
        _logger = logger;
        var seconds = ((int)Math.Ceiling(_options.SpillRetryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        _retryAfter = seconds;
        _retryPage = $"<!doctype html><meta charset=\"utf-8\"><meta http-equiv=\"refresh\" content=\"{seconds}\"><title>One moment</title><p>One moment, this link opens in a few seconds.</p>\n";
    }

    /// <summary>GET/HEAD <c>/o/{token}.gif</c>: the 1x1 GIF, never cached.</summary>
    public Task OpenAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return Open(context, context.Request.RouteValues["token"] as string);
    }

    /// <summary>GET/HEAD <c>/c/{token}</c>: 302 to the signed target, an absolute http(s) URL (never anything the token
    /// does not carry).</summary>
    public Task ClickAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return Click(context, context.Request.RouteValues["token"] as string);
    }

    /// <summary>The open pixel for <paramref name="token"/> (the path segment before <c>.gif</c>). Answers without an
    /// await when the queue has room: the common case allocates no state machine.</summary>
    internal Task Open(HttpContext context, ReadOnlySpan<char> token)
    {
        if (Check(token, TrackingKind.Open, out var claims) is not 0 and var refused)
        {
            return RefuseAsync(context, refused);
        }

        var queued = EnqueueAsync(context, claims, Grains.Engagement.HitKind.Open, null);
        return queued.IsCompletedSuccessfully ? WritePixel(context, queued.Result) : WritePixelAfterAsync(queued, context);
    }

    /// <summary>The click redirect for <paramref name="token"/> (the path segment after <c>/c/</c>).</summary>
    internal Task Click(HttpContext context, ReadOnlySpan<char> token)
    {
        if (Check(token, TrackingKind.Click, out var claims) is not 0 and var refused)
        {
            return RefuseAsync(context, refused);
        }

        if (Location(claims.TargetUrl) is not { } target)
        {
            return PlainAsync(context, StatusCodes.Status400BadRequest, "This link has no web address.");
        }

        var queued = EnqueueAsync(context, claims, Grains.Engagement.HitKind.Click, claims.TargetUrl);
        return queued.IsCompletedSuccessfully ? WriteRedirect(context, target, queued.Result) : WriteRedirectAfterAsync(queued, context, target);
    }

    /// <summary>The pixel; when the hit was refused (<paramref name="accepted"/> false) the same GIF with 503 and
    /// Retry-After, so a mail client shows no broken image and an image proxy, which caches nothing but a 200, fetches it
    /// again later, when the hit can be counted.</summary>
    private Task WritePixel(HttpContext context, bool accepted)
    {
        var response = context.Response;
        response.StatusCode = accepted ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
        response.ContentType = GifType;
        response.ContentLength = Gif.Length;
        NoCache(response);
        if (!accepted)
        {
            response.Headers.RetryAfter = _retryAfter;
        }

        if (!HttpMethods.IsHead(context.Request.Method))
        {
            // Into the response pipe: Kestrel sends it with the headers when the request completes.
            response.BodyWriter.Write(Gif);
        }

        return Task.CompletedTask;
    }

    private async Task WritePixelAfterAsync(ValueTask<bool> queued, HttpContext context)
    {
        var accepted = await queued.ConfigureAwait(false);
        await WritePixel(context, accepted).ConfigureAwait(false);
    }

    /// <summary>The redirect; when the hit was refused a 503 with Retry-After and a page that reloads the same link after
    /// that time, so the person still reaches the target and the click is counted then.</summary>
    private Task WriteRedirect(HttpContext context, string target, bool accepted)
    {
        var response = context.Response;
        if (!accepted)
        {
            response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            response.ContentType = HtmlType;
            response.Headers.RetryAfter = _retryAfter;
            response.Headers["Referrer-Policy"] = NoReferrer;
            NoCache(response);
            return HttpMethods.IsHead(context.Request.Method) ? Task.CompletedTask : response.WriteAsync(_retryPage, context.RequestAborted);
        }

        response.StatusCode = StatusCodes.Status302Found;
        response.Headers.Location = target;
        response.Headers["Referrer-Policy"] = NoReferrer;
        NoCache(response);
        return Task.CompletedTask;
    }

    private async Task WriteRedirectAfterAsync(ValueTask<bool> queued, HttpContext context, string target)
    {
        var accepted = await queued.ConfigureAwait(false);
        await WriteRedirect(context, target, accepted).ConfigureAwait(false);
    }

    /// <summary>The Location for a click's signed target: its absolute http(s) form, or null when it is not one. Remembered
    /// per target: a campaign has a few links, each clicked many times, and parsing a <see cref="Uri"/> per click cost more
    /// than the rest of the redirect.</summary>
    private string? Location(string? url)
    {
        if (url is null)
        {
            return null;
        }

        if (_locations.TryGetValue(url, out var known))
        {
            return known;
        }

        var location = Uri.TryCreate(url, UriKind.Absolute, out var target) && (target.Scheme == Uri.UriSchemeHttp || target.Scheme == Uri.UriSchemeHttps)
            ? target.AbsoluteUri
            : null;
        if (_locations.Count >= MaxLocations)
        {
            // Bounded: a flood of distinct targets (each needs a valid signature) costs a parse each, never memory.
            _locations.Clear();
        }

        _locations[url] = location;
        return location;
    }

    /// <summary>Checks the <c>{token}</c> route value of the request (see the span overload).</summary>
    private int Check(HttpContext context, TrackingKind kind, out TrackingClaims claims) =>
        Check(context.Request.RouteValues["token"] as string, kind, out claims);

    /// <summary>Checks <paramref name="token"/>: 0 when it is valid and of <paramref name="kind"/>, otherwise the status to
    /// answer (400/404/410).</summary>
    private int Check(ReadOnlySpan<char> token, TrackingKind kind, out TrackingClaims claims)
    {
        var status = _codec.TryDecode(token, out var decoded);
        claims = decoded!;
        return status switch
        {
            TrackingTokenStatus.Valid when decoded!.Kind == kind => 0,
            TrackingTokenStatus.Valid => StatusCodes.Status404NotFound,
            TrackingTokenStatus.Expired => StatusCodes.Status410Gone,
            TrackingTokenStatus.Malformed => StatusCodes.Status400BadRequest,
            _ => StatusCodes.Status404NotFound,
        };
    }

    private static Task RefuseAsync(HttpContext context, int status) => PlainAsync(context, status, status switch
    {
        StatusCodes.Status410Gone => "This link has expired.",
        StatusCodes.Status400BadRequest => "This link is damaged.",
        _ => "Not found.",
    });

    private ValueTask<bool> EnqueueAsync(HttpContext context, TrackingClaims claims, Grains.Engagement.HitKind kind, string? target)
    {
        var now = _time.GetUtcNow();
        var ip = ClientAddress(context);
        var agent = context.Request.Headers.UserAgent.ToString();
        if (agent.Length > 512)
        {
            agent = agent[..512];
        }

        var (machine, reason) = _classifier.Classify(kind, ip, agent, HttpMethods.IsHead(context.Request.Method), now - claims.IssuedAt);
        var hit = new HitRecord(Guid.CreateVersion7(now), kind, claims.Tenant, claims.CampaignId, claims.ContactAddress, claims.LinkIndex, target, now,
            claims.IssuedAt, ip?.ToString(), agent.Length == 0 ? null : agent, machine, reason);
        return _queue.EnqueueAsync(hit);
    }

    /// <summary>The client's address: the socket's, or the nearest untrusted entry of X-Forwarded-For behind a trusted proxy.</summary>
    private IPAddress? ClientAddress(HttpContext context)
    {
        var remote = context.Connection.RemoteIpAddress;
        if (remote is null || _proxies.Length == 0 || !_proxies.Any(p => p.Contains(remote)))
        {
            return remote;
        }

        var forwarded = context.Request.Headers["X-Forwarded-For"].ToString().Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        for (var i = forwarded.Length - 1; i >= 0; i--)
        {
            if (!IPAddress.TryParse(forwarded[i], out var address))
            {
                return remote;
            }

            if (!_proxies.Any(p => p.Contains(address)))
            {
                return address;
            }
        }

        return remote;
    }

    private static void NoCache(HttpResponse response)
    {
        var headers = response.Headers;
        headers.CacheControl = CacheControl;
        headers.Pragma = Pragma;
        headers.Expires = Expires;
        headers.XContentTypeOptions = NoSniff;
    }

    private static Task PlainAsync(HttpContext context, int status, string text)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        NoCache(context.Response);
        return context.Response.WriteAsync(text + "\n", context.RequestAborted);
    }

    /// <summary>The contact the token names, or null (404 written) when it does not exist or the campaign is unknown to the
    /// send log.</summary>
    private async Task<ContactInfo?> ContactOrNotFoundAsync(HttpContext context, TrackingClaims claims)
    {
        if (_sendLog is not null && claims.CampaignId != "test"
            && await _sendLog.FindAsync(claims.Tenant, SendId.For(claims.Tenant, claims.CampaignId, claims.ContactAddress), context.RequestAborted).ConfigureAwait(false) is null)
        {
            await PlainAsync(context, StatusCodes.Status404NotFound, "Not found.").ConfigureAwait(false);
            return null;
        }

        var contact = await _grains.GetGrain<IContactGrain>(claims.Tenant + "/" + claims.ContactAddress).Get().ConfigureAwait(false);
        if (contact is null)
        {
            await PlainAsync(context, StatusCodes.Status404NotFound, "Not found.").ConfigureAwait(false);
        }

        return contact;
    }
}
