using Google.Protobuf.Reflection;
using MailMesh.Api.V1;

namespace MailMesh.Client;

/// <summary><c>mailmesh.v1.Campaigns</c>: campaigns from draft to completed, and their live progress.</summary>
public sealed class CampaignsClient(GrpcChannel channel)
{
    private static readonly ServiceDescriptor Service = CampaignsReflection.Descriptor.Services.Single(s => s.Name == "Campaigns");

    /// <summary>Creates a draft.</summary>
    public Task<Campaign> CreateAsync(CreateCampaignRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<CreateCampaignRequest, Campaign>(Service.FindMethodByName("Create"), request, options, cancellationToken);

    /// <summary>Replaces a draft's definition.</summary>
    public Task<Campaign> UpdateAsync(UpdateCampaignRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<UpdateCampaignRequest, Campaign>(Service.FindMethodByName("Update"), request, options, cancellationToken);

    /// <summary>One campaign with fresh progress counters.</summary>
    public Task<Campaign> GetAsync(GetCampaignRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<GetCampaignRequest, Campaign>(Service.FindMethodByName("Get"), request, options, cancellationToken);

    /// <summary>The tenant's campaigns, newest first.</summary>
    public Task<ListCampaignsResponse> ListAsync(ListCampaignsRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<ListCampaignsRequest, ListCampaignsResponse>(Service.FindMethodByName("List"), request, options, cancellationToken);

    /// <summary>Schedules a draft (now, or at <c>StartAt</c>).</summary>
    public Task<Campaign> ScheduleAsync(ScheduleCampaignRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<ScheduleCampaignRequest, Campaign>(Service.FindMethodByName("Schedule"), request, options, cancellationToken);

    /// <summary>Pauses sending.</summary>
    public Task<Campaign> PauseAsync(PauseCampaignRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<PauseCampaignRequest, Campaign>(Service.FindMethodByName("Pause"), request, options, cancellationToken);

    /// <summary>Resumes a paused campaign.</summary>
    public Task<Campaign> ResumeAsync(ResumeCampaignRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<ResumeCampaignRequest, Campaign>(Service.FindMethodByName("Resume"), request, options, cancellationToken);

    /// <summary>Cancels a campaign.</summary>
    public Task<Campaign> CancelAsync(CancelCampaignRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<CancelCampaignRequest, Campaign>(Service.FindMethodByName("Cancel"), request, options, cancellationToken);

    /// <summary>The campaign now and after each change, until it is completed or cancelled (the stream then ends) or
    /// <paramref name="cancellationToken"/> is cancelled. Give no per-call timeout in <paramref name="options"/> for a
    /// long campaign: a deadline ends the stream with DEADLINE_EXCEEDED.</summary>
    public IAsyncEnumerable<Campaign> WatchProgressAsync(WatchCampaignProgressRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.ServerStreamingAsync<WatchCampaignProgressRequest, Campaign>(Service.FindMethodByName("WatchProgress"), request, options, cancellationToken);
}
