using System.Threading.Channels;
using Google.Protobuf.WellKnownTypes;
using MailMesh.Api.Authentication;
using MailMesh.Api.Hosting;
using MailMesh.Api.V1;
using MailMesh.Grpc;
using MailMesh.Runtime.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Log = MailMesh.Api.Internal.Log;

namespace MailMesh.Api.Services;

/// <summary>
/// <c>mailmesh.v1.Events</c>: stored events from the requested sequence, then live ones. A reader
/// task fills a bounded buffer per subscriber; when a subscriber falls more than the buffer behind,
/// its stream ends with RESOURCE_EXHAUSTED after the buffered events, so memory stays bounded and
/// the client resumes from its last sequence + 1 without gaps or repeats.
/// </summary>
internal sealed class EventsApi(ApiAuthenticator auth, IEventLog log, IOptions<MailMeshApiOptions> options, ILogger<EventsApi> logger)
{
    public void Map(GrpcServiceBuilder builder) => builder.MapServerStreaming<SubscribeRequest, Event>("Subscribe", Subscribe);

    private async Task Subscribe(SubscribeRequest request, IServerStreamWriter<Event> responses, ServerCallContext context)
    {
        var caller = (await auth.AuthenticateAsync(context).ConfigureAwait(false)).Require(ApiScopes.EventsRead);
        if (request.FromSequence < 0)
        {
            throw new InvalidArgumentException("from_sequence", $"must be 0 or more, not {request.FromSequence}");
        }

        var filter = new EventFilter(caller.Tenant, NullIfEmpty(request.Type), NullIfEmpty(request.Subject));
        var settings = options.Value;
        var buffer = Channel.CreateBounded<EventRecord>(new BoundedChannelOptions(settings.SubscriberBufferSize)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        var reader = ReadLogAsync(Math.Max(1, request.FromSequence), filter, buffer.Writer, caller.Tenant, settings, stop.Token);
        try
        {
            await foreach (var record in buffer.Reader.ReadAllAsync(context.CancellationToken).ConfigureAwait(false))
            {
                await responses.WriteAsync(ToProto(record), context.CancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await reader.ConfigureAwait(false);
        }
    }

    /// <summary>Copies matching events into the buffer; completes it with RESOURCE_EXHAUSTED when it overflows. Never throws.</summary>
    private async Task ReadLogAsync(
        long next, EventFilter filter, ChannelWriter<EventRecord> writer, string tenant, MailMeshApiOptions settings, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                var last = await log.GetLastSequenceAsync(cancellationToken).ConfigureAwait(false);
                if (last < next)
                {
                    await log.WaitForEventsAsync(next - 1, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                var batch = await log.ReadAsync(next, settings.EventReadBatchSize, filter, cancellationToken).ConfigureAwait(false);
                foreach (var record in batch)
                {
                    if (!writer.TryWrite(record))
                    {
                        Log.SlowSubscriber(logger, tenant, settings.SubscriberBufferSize, record.Sequence);
                        writer.TryComplete(new RpcException(StatusCode.ResourceExhausted,
                            $"the subscriber fell more than {settings.SubscriberBufferSize} events behind; resume with from_sequence set to the last received sequence + 1"));
                        return;
                    }
                }

                // A short batch means every event up to 'last' was seen, matching or not.
                next = batch.Count == settings.EventReadBatchSize ? batch[^1].Sequence + 1 : Math.Max(last + 1, batch.Count > 0 ? batch[^1].Sequence + 1 : 0);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            writer.TryComplete();
        }
        catch (Exception e)
        {
            writer.TryComplete(e);
        }
    }

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;

    private static Event ToProto(EventRecord e) => new()
    {
        Sequence = e.Sequence,
        EventId = e.EventId.ToString(),
        Tenant = e.Tenant,
        Type = e.Type,
        Subject = e.Subject,
        Time = Timestamp.FromDateTimeOffset(e.Time),
        PayloadJson = e.PayloadJson,
    };
}
