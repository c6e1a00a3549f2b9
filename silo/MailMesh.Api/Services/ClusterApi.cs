using Google.Protobuf.WellKnownTypes;
using MailMesh.Api.Authentication;
using MailMesh.Api.V1;
using MailMesh.Grpc;
using MailMesh.Runtime.Cluster;

namespace MailMesh.Api.Services;

/// <summary><c>mailmesh.v1.Cluster</c>: members and shard owners as this silo sees them (admin keys only). In embedded
/// mode there is no membership service and the answer says so.</summary>
internal sealed class ClusterApi(ApiAuthenticator auth, IServiceProvider services)
{
    private readonly IClusterMembership? _membership = (IClusterMembership?)services.GetService(typeof(IClusterMembership));

    public void Map(GrpcServiceBuilder builder) => builder.MapUnary<GetClusterStatusRequest, GetClusterStatusResponse>("GetStatus", GetStatus);

    private async Task<GetClusterStatusResponse> GetStatus(GetClusterStatusRequest request, ServerCallContext context)
    {
        (await auth.AuthenticateAsync(context).ConfigureAwait(false)).Require(ApiScopes.Admin);
        if (_membership is null)
        {
            return new GetClusterStatusResponse { Mode = "embedded" };
        }

        var view = _membership.View;
        var owners = GrainShards.Assign(view.ActiveSiloIds, _membership.ShardCount);
        var response = new GetClusterStatusResponse
        {
            Mode = "cluster",
            SiloId = _membership.SiloId,
            MembershipVersion = view.Version,
            ShardCount = _membership.ShardCount,
        };
        foreach (var member in view.Members)
        {
            response.Members.Add(new ClusterMember
            {
                SiloId = member.SiloId,
                Address = member.Address,
                StartedAt = Timestamp.FromDateTimeOffset(member.StartedAt),
                Status = member.Status switch
                {
                    Runtime.Cluster.MemberStatus.Active => V1.MemberStatus.Active,
                    Runtime.Cluster.MemberStatus.ShuttingDown => V1.MemberStatus.ShuttingDown,
                    Runtime.Cluster.MemberStatus.Left => V1.MemberStatus.Left,
                    Runtime.Cluster.MemberStatus.Dead => V1.MemberStatus.Dead,
                    _ => V1.MemberStatus.Unspecified,
                },
                LastHeartbeat = Timestamp.FromDateTimeOffset(member.LastHeartbeat),
                ShardCount = owners.Count(o => o == member.SiloId),
                IsSelf = member.SiloId == _membership.SiloId,
            });
        }

        if (request.IncludeShards)
        {
            for (var shard = 0; shard < owners.Length; shard++)
            {
                response.Shards.Add(new ShardOwner { Shard = shard, SiloId = owners[shard] ?? "" });
            }
        }

        return response;
    }
}
