using MailMesh.Grpc.Protocol.Health.V1;
using ServingStatus = MailMesh.Grpc.Protocol.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace MailMesh.Grpc.Health;

/// <summary>The handlers of <c>grpc.health.v1.Health</c>.</summary>
internal sealed class HealthService(GrpcHealthStatus statuses)
{
    public Task<HealthCheckResponse> Check(HealthCheckRequest request, ServerCallContext context)
    {
        var status = statuses.GetStatus(request.Service)
            ?? throw new RpcException(StatusCode.NotFound, $"unknown service '{request.Service}'");
        return Task.FromResult(new HealthCheckResponse { Status = status });
    }

    public async Task Watch(HealthCheckRequest request, IServerStreamWriter<HealthCheckResponse> responses, ServerCallContext context)
    {
        using var watch = statuses.Watch(request.Service);
        ServingStatus? last = null;
        await foreach (var status in watch.Reader.ReadAllAsync(context.CancellationToken).ConfigureAwait(false))
        {
            if (status == last)
            {
                continue;
            }

            last = status;
            await responses.WriteAsync(new HealthCheckResponse { Status = status }, context.CancellationToken).ConfigureAwait(false);
        }
    }
}
