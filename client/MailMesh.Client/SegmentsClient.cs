using Google.Protobuf.Reflection;
using MailMesh.Api.V1;

namespace MailMesh.Client;

/// <summary><c>mailmesh.v1.Segments</c>: saved segments of a tenant's contacts, previews and members.</summary>
public sealed class SegmentsClient(GrpcChannel channel)
{
    private static readonly ServiceDescriptor Service = SegmentsReflection.Descriptor.Services.Single(s => s.Name == "Segments");

    /// <summary>Saves a segment (replace to change one).</summary>
    public Task<Segment> CreateAsync(CreateSegmentRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<CreateSegmentRequest, Segment>(Service.FindMethodByName("Create"), request, options, cancellationToken);

    /// <summary>One segment.</summary>
    public Task<Segment> GetAsync(GetSegmentRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<GetSegmentRequest, Segment>(Service.FindMethodByName("Get"), request, options, cancellationToken);

    /// <summary>All segments of the tenant.</summary>
    public Task<ListSegmentsResponse> ListAsync(ListSegmentsRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<ListSegmentsRequest, ListSegmentsResponse>(Service.FindMethodByName("List"), request, options, cancellationToken);

    /// <summary>Deletes a segment.</summary>
    public Task<DeleteSegmentResponse> DeleteAsync(DeleteSegmentRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<DeleteSegmentRequest, DeleteSegmentResponse>(Service.FindMethodByName("Delete"), request, options, cancellationToken);

    /// <summary>Counts an expression's or a saved segment's contacts, with a sample.</summary>
    public Task<SegmentPreview> PreviewAsync(PreviewSegmentRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<PreviewSegmentRequest, SegmentPreview>(Service.FindMethodByName("Preview"), request, options, cancellationToken);

    /// <summary>Freezes a snapshot segment's members again.</summary>
    public Task<Segment> SnapshotAsync(SnapshotSegmentRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<SnapshotSegmentRequest, Segment>(Service.FindMethodByName("Snapshot"), request, options, cancellationToken);

    /// <summary>A page of a segment's members.</summary>
    public Task<ListSegmentMembersResponse> ListMembersAsync(ListSegmentMembersRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<ListSegmentMembersRequest, ListSegmentMembersResponse>(Service.FindMethodByName("ListMembers"), request, options, cancellationToken);
}

/// <summary>Access to <see cref="SegmentsClient"/>.</summary>
public static class SegmentsClientExtensions
{
    /// <summary>The Segments service of <paramref name="client"/>.</summary>
    public static SegmentsClient Segments(this MailMeshClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        return new SegmentsClient(client.Channel);
    }
}
