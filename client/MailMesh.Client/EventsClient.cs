using System.Runtime.CompilerServices;
using Google.Protobuf.Reflection;
using MailMesh.Api.V1;

namespace MailMesh.Client;

/// <summary>Calls <c>mailmesh.v1.Events</c>.</summary>
public sealed class EventsClient(GrpcChannel channel)
{
    private static readonly MethodDescriptor SubscribeMethod =
        EventsReflection.Descriptor.Services.Single(s => s.Name == "Events").FindMethodByName("Subscribe");

    /// <summary>One subscription: stored events from <c>FromSequence</c>, then live ones, until cancelled or failed.</summary>
    public IAsyncEnumerable<Event> SubscribeAsync(SubscribeRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.ServerStreamingAsync<SubscribeRequest, Event>(SubscribeMethod, request, options, cancellationToken);

    /// <summary>
    /// Follows the event stream and resumes after the last received sequence whenever the
    /// server ends it with RESOURCE_EXHAUSTED (slow subscriber) or the connection fails
    /// (UNAVAILABLE): nothing is missed, nothing is repeated. Other failures are thrown.
    /// </summary>
    public async IAsyncEnumerable<Event> FollowAsync(
        SubscribeRequest request, RetryPolicy? backoff = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        backoff ??= RetryPolicy.Default;
        var next = request.Clone();
        var failures = 0;
        var random = new Random();
        while (true)
        {
            var stream = SubscribeAsync(next, null, cancellationToken).GetAsyncEnumerator(cancellationToken);
            try
            {
                while (true)
                {
                    Event? item;
                    try
                    {
                        if (!await stream.MoveNextAsync().ConfigureAwait(false))
                        {
                            yield break;
                        }

                        item = stream.Current;
                    }
                    catch (MailMeshRpcException e) when (e.StatusCode is StatusCode.ResourceExhausted or StatusCode.Unavailable)
                    {
                        item = null;
                        failures++;
                        if (e.StatusCode == StatusCode.Unavailable && failures >= backoff.MaxAttempts)
                        {
                            throw;
                        }
                    }

                    if (item is null)
                    {
                        break;
                    }

                    failures = 0;
                    next.FromSequence = item.Sequence + 1;
                    yield return item;
                }
            }
            finally
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }

            await Task.Delay(backoff.Backoff(Math.Max(0, failures - 1), random), cancellationToken).ConfigureAwait(false);
        }
    }
}
