using System.Net;
using System.Text;
using MailMesh.Api.Authentication;
using MailMesh.Api.Tenants;
using MailMesh.Api.V1;
using MailMesh.Grpc;
using MailMesh.Runtime;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace MailMesh.Api.Services;

/// <summary>The HTML report pages on the silo's HTTP host (never the public tracking listener):
/// <c>GET /reports/campaigns/{id}</c> and <c>GET /reports/segments/{name}?campaign={id}</c>. The caller's API key (needs
/// <c>campaigns:read</c>) comes as <c>Authorization: Bearer &lt;key&gt;</c> or as the password of HTTP Basic, so a browser
/// can ask for it; the report is of the key's tenant only. Charts are inline SVG drawn here: the page loads nothing else
/// and runs no script.</summary>
internal static partial class ReportsPage
{
    private const string Realm = "MailMesh reports";

    /// <summary>Maps the pages.</summary>
    public static IEndpointRouteBuilder Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/reports/campaigns/{id}", (HttpContext http, string id) =>
            ServeAsync(http, () => ReportsApi.CheckCampaignId(id, "id"), (reports, tenant, campaign) => reports.CampaignAsync(tenant, campaign, http.RequestAborted)));
        endpoints.MapGet("/reports/segments/{name}", (HttpContext http, string name) =>
        {
            var campaign = http.Request.Query["campaign"].ToString();
            return ServeAsync(
                http,
                () =>
                {
                    ReportsApi.CheckSegment(name, "name");
                    return campaign.Length == 0 ? "" : ReportsApi.CheckCampaignId(campaign, "campaign");
                },
                (reports, tenant, checkedCampaign) => reports.SegmentAsync(tenant, name, checkedCampaign.Length == 0 ? null : checkedCampaign, http.RequestAborted));
        });
        return endpoints;
    }

    private static async Task ServeAsync(
        HttpContext http, Func<string> check, Func<Grains.Engagement.ICampaignReports, string, string, Task<Grains.Engagement.CampaignReport>> make)
    {
        http.Response.Headers.CacheControl = "no-store";
        // Nothing but the page itself: inline styles, no script, no fetch, no frame.
        http.Response.Headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
        http.Response.Headers.XContentTypeOptions = "nosniff";
        try
        {
            var tenant = await AuthenticateAsync(http).ConfigureAwait(false);
            var argument = check();
            var report = await ReportsApi.RunAsync(http.RequestServices, reports => make(reports, tenant, argument)).ConfigureAwait(false);
            await WriteAsync(http, StatusCodes.Status200OK, Render(report)).ConfigureAwait(false);
        }
        catch (RpcException e)
        {
            var status = e.StatusCode switch
            {
                StatusCode.Unauthenticated => StatusCodes.Status401Unauthorized,
                StatusCode.PermissionDenied => StatusCodes.Status403Forbidden,
                StatusCode.NotFound => StatusCodes.Status404NotFound,
                StatusCode.InvalidArgument => StatusCodes.Status400BadRequest,
                StatusCode.FailedPrecondition => StatusCodes.Status503ServiceUnavailable,
                StatusCode.Unavailable => StatusCodes.Status503ServiceUnavailable,
                _ => StatusCodes.Status500InternalServerError,
            };
            if (status == StatusCodes.Status401Unauthorized)
            {
                http.Response.Headers.WWWAuthenticate = $"Basic realm=\"{Realm}\", charset=\"UTF-8\"";
            }

            await WriteAsync(http, status, ErrorPage(status, e.Message)).ConfigureAwait(false);
        }
    }

    /// <summary>The tenant of the request's API key; UNAUTHENTICATED or PERMISSION_DENIED saying what was wrong.</summary>
    private static async Task<string> AuthenticateAsync(HttpContext http)
    {
        var header = http.Request.Headers.Authorization.ToString();
        string secret;
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            secret = header[7..].Trim();
        }
        else if (header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            string decoded;
            try
            {
                decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..].Trim()));
            }
            catch (FormatException)
            {
                throw new RpcException(StatusCode.Unauthenticated, "the Basic credentials are not base64");
            }

            // Any user name: the password is the API key.
            secret = decoded[(decoded.IndexOf(':', StringComparison.Ordinal) + 1)..];
        }
        else
        {
            throw new RpcException(StatusCode.Unauthenticated, "no API key: send 'Authorization: Bearer <api key>', or sign in with the API key as the password");
        }

        if (!ApiKeySecret.TryParse(secret, out var tenant, out var keyId, out var hash, out var problem))
        {
            throw new RpcException(StatusCode.Unauthenticated, problem);
        }

        var grains = (IGrainFactory)http.RequestServices.GetService(typeof(IGrainFactory))!;
        var key = await grains.GetGrain<ITenantGrain>(TenantGrain.KeyFor(tenant)).Authenticate(keyId, hash).ConfigureAwait(false)
            ?? throw new RpcException(StatusCode.Unauthenticated, "the API key is unknown or revoked");
        new Caller(key.Tenant, key.Id, key.Scopes).Require(ApiScopes.CampaignsRead);
        return key.Tenant;
    }

    private static Task WriteAsync(HttpContext http, int status, string html)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "text/html; charset=utf-8";
        return http.Response.WriteAsync(html, http.RequestAborted);
    }

    private static string ErrorPage(int status, string message) => $"""
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>{status} · MailMesh report</title></head>
        <body><h1>{status}</h1><p id="error">{WebUtility.HtmlEncode(message)}</p></body></html>
        """;
}

