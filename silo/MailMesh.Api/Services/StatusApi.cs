using System.Reflection;
using Google.Protobuf.WellKnownTypes;
using MailMesh.Api.Authentication;
using MailMesh.Api.V1;
using MailMesh.Grpc;
using MailMesh.Runtime.Storage;

namespace MailMesh.Api.Services;

/// <summary><c>mailmesh.v1.Status</c>: any valid key may ask.</summary>
internal sealed class StatusApi(ApiAuthenticator auth, IEventLog events, TimeProvider time)
{
    private static readonly string Version =
        typeof(StatusApi).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    private readonly DateTimeOffset _startedAt = time.GetUtcNow();

    public void Map(GrpcServiceBuilder builder) => builder.MapUnary<GetStatusRequest, GetStatusResponse>("Get", Get);

    private async Task<GetStatusResponse> Get(GetStatusRequest request, ServerCallContext context)
    {
        var caller = await auth.AuthenticateAsync(context).ConfigureAwait(false);
        var response = new GetStatusResponse
        {
            Version = Version,
            StartedAt = Timestamp.FromDateTimeOffset(_startedAt),
            Tenant = caller.Tenant,
            KeyId = caller.KeyId,
            LastEventSequence = await events.GetLastSequenceAsync(context.CancellationToken).ConfigureAwait(false),
        };
        response.Scopes.AddRange(caller.Scopes);
        return response;
    }
}
