namespace MailMesh.Relays;

/// <summary>Event relay settings. Section <c>Relays</c> (environment <c>MAILMESH__RELAYS__…</c>).</summary>
public sealed class RelayOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Relays";

    /// <summary>Webhook delivery.</summary>
    public WebhookRelayOptions Webhooks { get; set; } = new();

    /// <summary>The RabbitMQ exchange relay.</summary>
    public RabbitMqRelayOptions RabbitMq { get; set; } = new();

    /// <summary>Which silo runs each relay in a cluster.</summary>
    public RelayLeadershipOptions Leadership { get; set; } = new();
}

/// <summary>Section <c>Relays:Leadership</c>. With a PostgreSQL store, each relay runs only on the silo holding its
/// lease (<c>relay:webhook</c>, <c>relay:rabbitmq</c> in the <c>leases</c> table); the others stand by and one of
/// them takes over when the holder stops renewing. With SQLite (one silo) the relays just run.</summary>
public sealed class RelayLeadershipOptions
{
    /// <summary>How long a lease lasts without renewal: a silo that died is replaced after at most this long.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How often the holder renews its lease and the others try to take a free one (well under
    /// <see cref="LeaseDuration"/>).</summary>
    public TimeSpan RenewInterval { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>Section <c>Relays:Webhooks</c>.</summary>
public sealed class WebhookRelayOptions
{
    /// <summary>Run the webhook relay in this silo (in a cluster, only the silo holding the relay's lease delivers;
    /// see <see cref="RelayLeadershipOptions"/>).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Networks (CIDR, e.g. <c>10.1.0.0/16</c> or <c>127.0.0.1/32</c>) that targets may resolve to although
    /// they are loopback, private, link-local or metadata addresses. Empty: none (the safe default).</summary>
    public List<string> AllowedNetworks { get; set; } = [];

    /// <summary>How long one POST may take (connect, send, answer).</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Attempts per event before it is dead-lettered.</summary>
    public int MaxAttempts { get; set; } = 8;

    /// <summary>Wait before the first retry; doubles each attempt, with jitter.</summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest wait between attempts (also caps <c>Retry-After</c>).</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How often subscriptions are re-read (changes made through this silo's API apply at once).</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Events read from the log per batch.</summary>
    public int BatchSize { get; set; } = 100;

    /// <summary>Subscriptions a tenant may have.</summary>
    public int MaxSubscriptionsPerTenant { get; set; } = 25;

    /// <summary>Dead letters kept per subscription (oldest dropped first).</summary>
    public int MaxDeadLetters { get; set; } = 1000;
}

/// <summary>Section <c>Relays:RabbitMq</c>.</summary>
public sealed class RabbitMqRelayOptions
{
    /// <summary>The broker, e.g. <c>amqp://user:pass@rabbitmq:5672/</c>; the relay runs only when it is set.</summary>
    public string? Uri { get; set; }

    /// <summary>The topic exchange (declared durable at start).</summary>
    public string Exchange { get; set; } = "mailmesh.events";

    /// <summary>Events published per batch (confirmed together before the position advances).</summary>
    public int BatchSize { get; set; } = 500;

    /// <summary>How long the broker may take to confirm a batch.</summary>
    public TimeSpan ConfirmTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Wait before reconnecting after the broker failed; doubles up to a minute.</summary>
    public TimeSpan ReconnectDelay { get; set; } = TimeSpan.FromSeconds(1);
}
