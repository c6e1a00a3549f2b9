using MailMesh.Campaigns.Links;
using MailMesh.Grains.Contacts;
using MailMesh.Grains.Engagement;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace MailMesh.Engagement.Tracking;

public sealed partial class TrackingEndpoints
{
    /// <summary>GET <c>/u/{token}</c>: the unsubscribe page (list-level or all mail, as one POST form).</summary>
    public async Task UnsubscribePageAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (Check(context, TrackingKind.Unsubscribe, out var claims) is not 0 and var refused)
        {
            await RefuseAsync(context, refused).ConfigureAwait(false);
            return;
        }

        if (await ContactOrNotFoundAsync(context, claims).ConfigureAwait(false) is not { } contact)
        {
            return;
        }

        await HtmlAsync(context, StatusCodes.Status200OK, TrackingPages.Unsubscribe(Mask(contact.DisplayAddress), claims.List, _nonce.For(Token(context)))).ConfigureAwait(false);
    }

    /// <summary>POST <c>/u/{token}</c>: the RFC 8058 one-click unsubscribe (body <c>List-Unsubscribe=One-Click</c>; answers 200
    /// with no redirect) or the page's choice (<c>scope=list|all</c> with the page's nonce).</summary>
    public async Task UnsubscribePostAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (Check(context, TrackingKind.Unsubscribe, out var claims) is not 0 and var refused)
        {
            await RefuseAsync(context, refused).ConfigureAwait(false);
            return;
        }

        if (await ReadFormAsync(context).ConfigureAwait(false) is not { } form)
        {
            return;
        }

        var oneClick = string.Equals(form["List-Unsubscribe"], "One-Click", StringComparison.Ordinal);
        string scope;
        if (oneClick)
        {
            scope = claims.List ?? "*";
        }
        else
        {
            if (!await CheckPageOriginAsync(context, form).ConfigureAwait(false))
            {
                return;
            }

            var choice = form["scope"].ToString();
            if (choice == "list" && claims.List is not null)
            {
                scope = claims.List;
            }
            else if (choice == "all")
            {
                scope = "*";
            }
            else
            {
                await PlainAsync(context, StatusCodes.Status400BadRequest,
                    "Send List-Unsubscribe=One-Click (RFC 8058), or scope=list or scope=all from the unsubscribe page.").ConfigureAwait(false);
                return;
            }
        }

        if (await ContactOrNotFoundAsync(context, claims).ConfigureAwait(false) is null)
        {
            return;
        }

        var ip = ClientAddress(context)?.ToString();
        await _grains.GetGrain<IContactGrain>(claims.Tenant + "/" + claims.ContactAddress)
            .Unsubscribe(scope, oneClick ? "unsubscribe:one-click" : "unsubscribe:page", $"campaign {claims.CampaignId}; ip {ip ?? "unknown"}").ConfigureAwait(false);
        await EnqueueAsync(context, claims, HitKind.Unsubscribe, scope).ConfigureAwait(false);
        if (oneClick)
        {
            await PlainAsync(context, StatusCodes.Status200OK, "Unsubscribed.").ConfigureAwait(false);
        }
        else
        {
            await HtmlAsync(context, StatusCodes.Status200OK, TrackingPages.Unsubscribed(scope == "*" ? null : scope)).ConfigureAwait(false);
        }
    }

    /// <summary>Reads a bounded form body; on null the response (413/415/400) is written.</summary>
    private async Task<IFormCollection?> ReadFormAsync(HttpContext context)
    {
        var request = context.Request;
        if (!request.HasFormContentType)
        {
            await PlainAsync(context, StatusCodes.Status415UnsupportedMediaType, "Send the form as application/x-www-form-urlencoded or multipart/form-data.").ConfigureAwait(false);
            return null;
        }

        if (request.ContentLength > _options.MaxFormBytes)
        {
            await PlainAsync(context, StatusCodes.Status413PayloadTooLarge, $"The form is larger than {_options.MaxFormBytes} bytes.").ConfigureAwait(false);
            return null;
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = _options.MaxFormBytes;
        }

        try
        {
            return await request.ReadFormAsync(new FormOptions
            {
                ValueCountLimit = _options.MaxFormFields,
                KeyLengthLimit = 128,
                ValueLengthLimit = _options.MaxFormBytes,
                MultipartBodyLengthLimit = _options.MaxFormBytes,
                MultipartHeadersCountLimit = 8,
                MultipartHeadersLengthLimit = 2048,
                MultipartBoundaryLengthLimit = 128,
            }, context.RequestAborted).ConfigureAwait(false);
        }
        catch (InvalidDataException)
        {
            await PlainAsync(context, StatusCodes.Status400BadRequest,
                $"The form has more than {_options.MaxFormFields} fields, a name longer than 128 characters, or is larger than {_options.MaxFormBytes} bytes.").ConfigureAwait(false);
            return null;
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            await PlainAsync(context, StatusCodes.Status413PayloadTooLarge, $"The form is larger than {_options.MaxFormBytes} bytes.").ConfigureAwait(false);
            return null;
        }
    }

    /// <summary>A page's POST must carry the page's nonce, and a browser's Origin (when sent) must be this site.</summary>
    private async Task<bool> CheckPageOriginAsync(HttpContext context, IFormCollection form)
    {
        var origin = context.Request.Headers.Origin.ToString();
        var sameOrigin = origin.Length == 0
            || (Uri.TryCreate(origin, UriKind.Absolute, out var uri) && string.Equals(uri.Authority, context.Request.Host.Value, StringComparison.OrdinalIgnoreCase));
        if (sameOrigin && _nonce.Verify(Token(context), form["nonce"].ToString()))
        {
            return true;
        }

        await PlainAsync(context, StatusCodes.Status403Forbidden, "Submit this form from its own page.").ConfigureAwait(false);
        return false;
    }

    private static string Token(HttpContext context) => context.Request.RouteValues["token"] as string ?? string.Empty;

    private static Task HtmlAsync(HttpContext context, int status, string html)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/html; charset=utf-8";
        NoCache(context.Response);
        context.Response.Headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'";
        context.Response.Headers.XFrameOptions = "DENY";
        return context.Response.WriteAsync(html, context.RequestAborted);
    }

    /// <summary><c>j***@example.com</c>: enough for the person to recognise, little for anyone who finds the link.</summary>
    internal static string Mask(string address)
    {
        var at = address.LastIndexOf('@');
        return at <= 0 ? "***" : string.Concat(address.AsSpan(0, 1), "***", address.AsSpan(at));
    }
}
