using System.Net.Sockets;
using System.Text;
using Google.Protobuf.WellKnownTypes;
using MailMesh.Api.Authentication;
using MailMesh.Api.V1;
using MailMesh.Grpc;
using MailMesh.Relays.Webhooks;
using MailMesh.Runtime;
using MailMesh.Runtime.Storage;

namespace MailMesh.Relays.Api;

/// <summary><c>mailmesh.v1.Webhooks</c>: the caller's tenant's subscriptions. Needs the <c>admin</c> scope (secrets and
/// targets are the tenant administrator's business).</summary>
internal sealed class WebhooksApi(ApiAuthenticator auth, IGrainFactory grains, IEventLog log, SsrfGuard guard, WebhookChanges changes)
{
    private const int MaxEventTypes = 50;

    public void Map(GrpcServiceBuilder builder) => builder
        .MapUnary<CreateWebhookSubscriptionRequest, WebhookSubscription>("CreateSubscription", Create)
        .MapUnary<ListWebhookSubscriptionsRequest, ListWebhookSubscriptionsResponse>("ListSubscriptions", List)
        .MapUnary<DeleteWebhookSubscriptionRequest, DeleteWebhookSubscriptionResponse>("DeleteSubscription", Delete)
        .MapUnary<ListWebhookDeadLettersRequest, ListWebhookDeadLettersResponse>("ListDeadLetters", ListDeadLetters)
        .MapUnary<ReplayWebhookDeadLettersRequest, ReplayWebhookDeadLettersResponse>("ReplayDeadLetters", Replay);

    private async Task<WebhookSubscription> Create(CreateWebhookSubscriptionRequest request, ServerCallContext context)
    {
        var caller = await Authorize(context).ConfigureAwait(false);
        if (WebhookUrl.Validate(request.Url) is { } problem)
        {
            throw new InvalidArgumentException("url", problem);
        }

        if (request.EventTypes.Count > MaxEventTypes)
        {
            throw new InvalidArgumentException("event_types", $"{request.EventTypes.Count} given; at most {MaxEventTypes} are allowed");
        }

        for (var i = 0; i < request.EventTypes.Count; i++)
        {
            if (EventTypes.Validate(request.EventTypes[i]) is { } typeProblem)
            {
                throw new InvalidArgumentException($"event_types[{i}]", typeProblem);
            }
        }

        if (request.Description.Length > 500)
        {
            throw new InvalidArgumentException("description", $"it is {request.Description.Length} characters long; at most 500 are allowed");
        }

        try
        {
            await guard.ResolveAsync(new Uri(request.Url).IdnHost, context.CancellationToken).ConfigureAwait(false);
        }
        catch (WebhookTargetRefusedException e)
        {
            throw new RpcException(StatusCode.FailedPrecondition, "webhook target refused: " + e.Message);
        }
        catch (SocketException e)
        {
            throw new RpcException(StatusCode.FailedPrecondition, "webhook target unusable: " + e.Message);
        }

        var secret = WebhookSignature.NewSecret();
        var position = await log.GetLastSequenceAsync(context.CancellationToken).ConfigureAwait(false);
        WebhookSubscriptionInfo created;
        try
        {
            created = await Grain(caller).Create(
                new NewWebhookSubscription(request.Url, [.. request.EventTypes], request.Description, Encoding.UTF8.GetBytes(secret)), position).ConfigureAwait(false);
        }
        catch (InvalidOperationException e)
        {
            throw new RpcException(StatusCode.ResourceExhausted, e.Message);
        }

        changes.Notify();
        var response = ToProto(created);
        response.Secret = secret;
        return response;
    }

    private async Task<ListWebhookSubscriptionsResponse> List(ListWebhookSubscriptionsRequest request, ServerCallContext context)
    {
        var caller = await Authorize(context).ConfigureAwait(false);
        var response = new ListWebhookSubscriptionsResponse();
        response.Subscriptions.AddRange((await Grain(caller).List().ConfigureAwait(false)).Select(ToProto));
        return response;
    }

    private async Task<DeleteWebhookSubscriptionResponse> Delete(DeleteWebhookSubscriptionRequest request, ServerCallContext context)
    {
        var caller = await Authorize(context).ConfigureAwait(false);
        if (!await Grain(caller).Delete(request.Id).ConfigureAwait(false))
        {
            throw new RpcException(StatusCode.NotFound, $"no webhook subscription '{request.Id}'");
        }

        changes.Notify();
        return new DeleteWebhookSubscriptionResponse();
    }

    private async Task<ListWebhookDeadLettersResponse> ListDeadLetters(ListWebhookDeadLettersRequest request, ServerCallContext context)
    {
        var caller = await Authorize(context).ConfigureAwait(false);
        var letters = await Grain(caller).ListDeadLetters(request.SubscriptionId).ConfigureAwait(false)
            ?? throw new RpcException(StatusCode.NotFound, $"no webhook subscription '{request.SubscriptionId}'");
        var response = new ListWebhookDeadLettersResponse();
        response.DeadLetters.AddRange(letters.Select(d => new WebhookDeadLetter
        {
            Sequence = d.Sequence,
            EventId = d.EventId.ToString(),
            Type = d.Type,
            Subject = d.Subject,
            Attempts = d.Attempts,
            Reason = d.Reason,
            FailedAt = Timestamp.FromDateTimeOffset(d.FailedAt),
        }));
        return response;
    }

    private async Task<ReplayWebhookDeadLettersResponse> Replay(ReplayWebhookDeadLettersRequest request, ServerCallContext context)
    {
        var caller = await Authorize(context).ConfigureAwait(false);
        Guid? eventId = null;
        if (request.EventId.Length > 0)
        {
            eventId = Guid.TryParse(request.EventId, out var parsed) ? parsed : throw new InvalidArgumentException("event_id", "it is not an event id (a GUID)");
        }

        var queued = await Grain(caller).QueueReplay(request.SubscriptionId, eventId).ConfigureAwait(false);
        if (queued < 0)
        {
            throw new RpcException(StatusCode.NotFound, $"no webhook subscription '{request.SubscriptionId}'");
        }

        if (queued == 0 && eventId is not null)
        {
            throw new RpcException(StatusCode.NotFound, $"no dead letter with event id {eventId} in subscription '{request.SubscriptionId}'");
        }

        changes.Notify();
        return new ReplayWebhookDeadLettersResponse { Queued = queued };
    }

    private async Task<Caller> Authorize(ServerCallContext context) =>
        (await auth.AuthenticateAsync(context).ConfigureAwait(false)).Require(ApiScopes.Admin);

    private IWebhookSubscriptionsGrain Grain(Caller caller) =>
        grains.GetGrain<IWebhookSubscriptionsGrain>(WebhookSubscriptionsGrain.KeyFor(caller.Tenant));

    private static WebhookSubscription ToProto(WebhookSubscriptionInfo s)
    {
        var proto = new WebhookSubscription
        {
            Id = s.Id,
            Url = s.Url,
            Description = s.Description,
            CreatedAt = Timestamp.FromDateTimeOffset(s.CreatedAt),
            Position = s.Position,
            DeadLetterCount = s.DeadLetterCount,
        };
        proto.EventTypes.AddRange(s.EventTypes);
        return proto;
    }
}
