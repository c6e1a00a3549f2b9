using Google.Protobuf.Reflection;
using MailMesh.Api.V1;

namespace MailMesh.Client;

/// <summary>
/// The typed MailMesh API client. Create one per server and reuse it; it is thread-safe.
/// <code>
/// using var client = new MailMeshClient(new Uri("http://127.0.0.1:5081"), new GrpcChannelOptions { ApiKey = key });
/// var mailbox = await client.Mailboxes.CreateAsync(new CreateMailboxRequest { Name = "support", DisplayName = "Support" });
/// </code>
/// </summary>
public sealed class MailMeshClient : IDisposable
{
    private readonly bool _ownsChannel;

    /// <summary>Creates a client with its own channel.</summary>
    public MailMeshClient(Uri address, GrpcChannelOptions? options = null)
        : this(new GrpcChannel(address, options), ownsChannel: true)
    {
    }

    /// <summary>Creates a client over an existing channel (not disposed with the client).</summary>
    public MailMeshClient(GrpcChannel channel)
        : this(channel, ownsChannel: false)
    {
    }

    private MailMeshClient(GrpcChannel channel, bool ownsChannel)
    {
        Channel = channel;
        _ownsChannel = ownsChannel;
        Admin = new AdminClient(channel);
        Mailboxes = new MailboxesClient(channel);
        Sharing = new SharingClient(channel);
        Events = new EventsClient(channel);
        Status = new StatusClient(channel);
        Webhooks = new WebhooksClient(channel);
        Templates = new TemplatesClient(channel);
        Campaigns = new CampaignsClient(channel);
    }

    /// <summary>The underlying channel.</summary>
    public GrpcChannel Channel { get; }

    /// <summary>Tenants and API keys.</summary>
    public AdminClient Admin { get; }

    /// <summary>Mailboxes.</summary>
    public MailboxesClient Mailboxes { get; }

    /// <summary>Shared mailboxes: members, conversations, SLA, audit trail.</summary>
    public SharingClient Sharing { get; }

    /// <summary>The event stream.</summary>
    public EventsClient Events { get; }

    /// <summary>Server status and identity.</summary>
    public StatusClient Status { get; }

    /// <summary>Webhook subscriptions and dead letters.</summary>
    public WebhooksClient Webhooks { get; }

    /// <summary>Message templates, previews and test sends.</summary>
    public TemplatesClient Templates { get; }

    /// <summary>Campaigns and their progress.</summary>
    public CampaignsClient Campaigns { get; }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsChannel)
        {
            Channel.Dispose();
        }
    }
}

/// <summary>Calls <c>mailmesh.v1.Admin</c>.</summary>
public sealed class AdminClient(GrpcChannel channel)
{
    private static readonly ServiceDescriptor Service = AdminReflection.Descriptor.Services.Single(s => s.Name == "Admin");

    /// <summary>Creates a tenant and its first admin key (operator keys only).</summary>
    public Task<CreateTenantResponse> CreateTenantAsync(CreateTenantRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<CreateTenantRequest, CreateTenantResponse>(Service.FindMethodByName("CreateTenant"), request, options, cancellationToken);

    /// <summary>Lists tenants (operator keys only).</summary>
    public Task<ListTenantsResponse> ListTenantsAsync(ListTenantsRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<ListTenantsRequest, ListTenantsResponse>(Service.FindMethodByName("ListTenants"), request, options, cancellationToken);

    /// <summary>Creates an API key in the caller's tenant.</summary>
    public Task<CreateApiKeyResponse> CreateApiKeyAsync(CreateApiKeyRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<CreateApiKeyRequest, CreateApiKeyResponse>(Service.FindMethodByName("CreateApiKey"), request, options, cancellationToken);

    /// <summary>Lists the caller's tenant's keys.</summary>
    public Task<ListApiKeysResponse> ListApiKeysAsync(ListApiKeysRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<ListApiKeysRequest, ListApiKeysResponse>(Service.FindMethodByName("ListApiKeys"), request, options, cancellationToken);

    /// <summary>Revokes a key of the caller's tenant.</summary>
    public Task<ApiKey> RevokeApiKeyAsync(RevokeApiKeyRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<RevokeApiKeyRequest, ApiKey>(Service.FindMethodByName("RevokeApiKey"), request, options, cancellationToken);
}

/// <summary>Calls <c>mailmesh.v1.Mailboxes</c>.</summary>
public sealed partial class MailboxesClient(GrpcChannel channel)
{
    private static readonly ServiceDescriptor Service = MailboxesReflection.Descriptor.Services.Single(s => s.Name == "Mailboxes");

    /// <summary>Creates a mailbox.</summary>
    public Task<Mailbox> CreateAsync(CreateMailboxRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<CreateMailboxRequest, Mailbox>(Service.FindMethodByName("Create"), request, options, cancellationToken);

    /// <summary>Gets a mailbox.</summary>
    public Task<Mailbox> GetAsync(GetMailboxRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<GetMailboxRequest, Mailbox>(Service.FindMethodByName("Get"), request, options, cancellationToken);

    /// <summary>Lists one page of mailboxes.</summary>
    public Task<ListMailboxesResponse> ListAsync(ListMailboxesRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<ListMailboxesRequest, ListMailboxesResponse>(Service.FindMethodByName("List"), request, options, cancellationToken);
}

/// <summary>Calls <c>mailmesh.v1.Status</c>.</summary>
public sealed class StatusClient(GrpcChannel channel)
{
    private static readonly ServiceDescriptor Service = StatusReflection.Descriptor.Services.Single(s => s.Name == "Status");

    /// <summary>The server's status and the caller's identity.</summary>
    public Task<GetStatusResponse> GetAsync(GetStatusRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<GetStatusRequest, GetStatusResponse>(Service.FindMethodByName("Get"), request, options, cancellationToken);
}
