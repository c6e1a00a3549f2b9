using Google.Protobuf.Reflection;
using MailMesh.Api.V1;

namespace MailMesh.Client;

/// <summary><c>mailmesh.v1.Cluster</c>: members and shard owners (admin keys).</summary>
public sealed class ClusterClient(GrpcChannel channel)
{
    private static readonly ServiceDescriptor Service = ClusterReflection.Descriptor.Services.Single(s => s.Name == "Cluster");

    /// <summary>The members and shard owners as the answering silo sees them.</summary>
    public Task<GetClusterStatusResponse> GetStatusAsync(GetClusterStatusRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<GetClusterStatusRequest, GetClusterStatusResponse>(Service.FindMethodByName("GetStatus"), request, options, cancellationToken);
}

/// <summary>Adds <see cref="Cluster"/> to <see cref="MailMeshClient"/>.</summary>
public static class MailMeshClientClusterExtensions
{
    /// <summary>A client of <c>mailmesh.v1.Cluster</c> over the client's channel.</summary>
    public static ClusterClient Cluster(this MailMeshClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        return new ClusterClient(client.Channel);
    }
}
