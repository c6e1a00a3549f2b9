using Google.Protobuf.Reflection;
using MailMesh.Api.V1;

namespace MailMesh.Client;

/// <summary><c>mailmesh.v1.Reports</c>: campaign and segment reports (docs/engagement.md, Reports).</summary>
public sealed class ReportsClient(GrpcChannel channel)
{
    private static readonly ServiceDescriptor Service = ReportsReflection.Descriptor.Services.Single(s => s.Name == "Reports");

    /// <summary>The report of one campaign.</summary>
    public Task<Report> GetCampaignReportAsync(GetCampaignReportRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<GetCampaignReportRequest, Report>(Service.FindMethodByName("GetCampaignReport"), request, options, cancellationToken);

    /// <summary>The report restricted to a segment's members now, across one or all campaigns.</summary>
    public Task<Report> GetSegmentReportAsync(GetSegmentReportRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<GetSegmentReportRequest, Report>(Service.FindMethodByName("GetSegmentReport"), request, options, cancellationToken);
}

/// <summary>Access to <see cref="ReportsClient"/>.</summary>
public static class ReportsClientExtensions
{
    /// <summary>The Reports service of <paramref name="client"/>.</summary>
    public static ReportsClient Reports(this MailMeshClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        return new ReportsClient(client.Channel);
    }
}
