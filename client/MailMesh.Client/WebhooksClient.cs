using Google.Protobuf.Reflection;
using MailMesh.Api.V1;

namespace MailMesh.Client;

/// <summary>Calls <c>mailmesh.v1.Webhooks</c>: the tenant's webhook subscriptions and dead letters (admin keys).</summary>
public sealed class WebhooksClient(GrpcChannel channel)
{
    private static readonly ServiceDescriptor Service = WebhooksReflection.Descriptor.Services.Single(s => s.Name == "Webhooks");

    /// <summary>Creates a subscription; the answer carries its signing secret (only this once).</summary>
    public Task<WebhookSubscription> CreateSubscriptionAsync(CreateWebhookSubscriptionRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<CreateWebhookSubscriptionRequest, WebhookSubscription>(Service.FindMethodByName("CreateSubscription"), request, options, cancellationToken);

    /// <summary>Lists the subscriptions.</summary>
    public Task<ListWebhookSubscriptionsResponse> ListSubscriptionsAsync(ListWebhookSubscriptionsRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<ListWebhookSubscriptionsRequest, ListWebhookSubscriptionsResponse>(Service.FindMethodByName("ListSubscriptions"), request, options, cancellationToken);

    /// <summary>Deletes a subscription.</summary>
    public Task<DeleteWebhookSubscriptionResponse> DeleteSubscriptionAsync(DeleteWebhookSubscriptionRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<DeleteWebhookSubscriptionRequest, DeleteWebhookSubscriptionResponse>(Service.FindMethodByName("DeleteSubscription"), request, options, cancellationToken);

    /// <summary>Lists a subscription's dead letters.</summary>
    public Task<ListWebhookDeadLettersResponse> ListDeadLettersAsync(ListWebhookDeadLettersRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<ListWebhookDeadLettersRequest, ListWebhookDeadLettersResponse>(Service.FindMethodByName("ListDeadLetters"), request, options, cancellationToken);

    /// <summary>Queues dead letters for delivery again.</summary>
    public Task<ReplayWebhookDeadLettersResponse> ReplayDeadLettersAsync(ReplayWebhookDeadLettersRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<ReplayWebhookDeadLettersRequest, ReplayWebhookDeadLettersResponse>(Service.FindMethodByName("ReplayDeadLetters"), request, options, cancellationToken);
}
