using MailMesh.Api.Services;
using Microsoft.AspNetCore.Routing;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Maps the HTML report pages.</summary>
public static class ReportsPageExtensions
{
    /// <summary>Maps <c>GET /reports/campaigns/{id}</c> and <c>GET /reports/segments/{name}</c> (see docs/engagement.md, Reports).
    /// Map them on the API's HTTP host, never on the public tracking listener.</summary>
    public static IEndpointRouteBuilder MapMailMeshReportPages(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        return ReportsPage.Map(endpoints);
    }
}
