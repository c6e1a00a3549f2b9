using MailMesh.Api.Authentication;
using MailMesh.Api.V1;
using MailMesh.Grains.Contacts;
using MailMesh.Grains.Engagement;
using MailMesh.Grpc;
using Microsoft.Extensions.DependencyInjection;

namespace MailMesh.Api.Services;

/// <summary><c>mailmesh.v1.Reports</c> over the silo's <see cref="ICampaignReports"/> (the engagement module), for the
/// caller's tenant only. The HTML report pages (<see cref="ReportsPage"/>) share its checks.</summary>
internal sealed partial class ReportsApi(ApiAuthenticator auth, IServiceProvider services)
{
    public void Map(GrpcServiceBuilder builder) => builder
        .MapUnary<GetCampaignReportRequest, Report>("GetCampaignReport", GetCampaignReport)
        .MapUnary<GetSegmentReportRequest, Report>("GetSegmentReport", GetSegmentReport);

    private async Task<Report> GetCampaignReport(GetCampaignReportRequest request, ServerCallContext context)
    {
        var caller = (await auth.AuthenticateAsync(context).ConfigureAwait(false)).Require(ApiScopes.CampaignsRead);
        var id = CheckCampaignId(request.CampaignId, "campaign_id");
        return ToProto(await RunAsync(services, r => r.CampaignAsync(caller.Tenant, id, context.CancellationToken)).ConfigureAwait(false));
    }

    private async Task<Report> GetSegmentReport(GetSegmentReportRequest request, ServerCallContext context)
    {
        var caller = (await auth.AuthenticateAsync(context).ConfigureAwait(false)).Require(ApiScopes.CampaignsRead);
        var segment = CheckSegment(request.Segment, "segment");
        var campaign = request.CampaignId.Length == 0 ? null : CheckCampaignId(request.CampaignId, "campaign_id");
        return ToProto(await RunAsync(services, r => r.SegmentAsync(caller.Tenant, segment, campaign, context.CancellationToken)).ConfigureAwait(false));
    }

    /// <summary>Runs a report; NOT_FOUND names the missing campaign or segment, FAILED_PRECONDITION says reports are not
    /// served by this silo.</summary>
    internal static async Task<CampaignReport> RunAsync(IServiceProvider services, Func<ICampaignReports, Task<CampaignReport>> report)
    {
        var reports = services.GetService<ICampaignReports>()
            ?? throw new RpcException(StatusCode.FailedPrecondition, "this silo does not make reports (the engagement module's AddCampaignReports is not registered)");
        try
        {
            return await report(reports).ConfigureAwait(false);
        }
        catch (ReportSubjectNotFoundException e)
        {
            throw new RpcException(StatusCode.NotFound, e.Message);
        }
        catch (Exception e) when (Internal.GrainErrors.Map(e) is { } rpc)
        {
            throw rpc;
        }
    }

    /// <summary>A campaign id as campaigns are created with: lower-case letters, digits, '-' and '_' (at most 63).</summary>
    internal static string CheckCampaignId(string id, string field)
    {
        if (id.Length == 0)
        {
            throw new InvalidArgumentException(field, "give the campaign's id");
        }

        if (id.Length > 63 || !char.IsAsciiLetterLower(id[0]) && !char.IsAsciiDigit(id[0])
            || id.Any(c => !char.IsAsciiLetterLower(c) && !char.IsAsciiDigit(c) && c is not '-' and not '_'))
        {
            throw new InvalidArgumentException(field, $"'{Shorten(id)}' is not a campaign id: use at most 63 lower-case letters, digits, '-' and '_', starting with a letter or digit");
        }

        return id;
    }

    /// <summary>A segment name as segments are saved with.</summary>
    internal static string CheckSegment(string name, string field)
    {
        if (name.Length == 0)
        {
            throw new InvalidArgumentException(field, "give the segment's name");
        }

        if (AttributeParsing.ListNameProblem(name) is { } problem)
        {
            throw new InvalidArgumentException(field, problem.Replace("list name", "segment name", StringComparison.Ordinal));
        }

        return name;
    }

    private static string Shorten(string text) => text.Length > 80 ? text[..80] + "…" : text;
}
