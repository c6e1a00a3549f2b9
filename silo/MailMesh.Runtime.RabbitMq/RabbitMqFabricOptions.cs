using Microsoft.Extensions.Options;

namespace MailMesh.Runtime.RabbitMq;

/// <summary>Settings of the RabbitMQ fabric (configuration section <c>Cluster:RabbitMq</c>; environment
/// <c>MAILMESH__CLUSTER__RABBITMQ__…</c>). The shard count is <c>Cluster:ShardCount</c>.</summary>
public sealed class RabbitMqFabricOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Cluster:RabbitMq";

    /// <summary>The broker, as an AMQP URI: <c>amqp://user:password@host:5672/vhost</c>. Required.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Prefix of the queue names (<c>&lt;prefix&gt;.shard.0042</c>, <c>&lt;prefix&gt;.dead</c>), so several
    /// clusters or test runs can share a virtual host. Default <c>mailmesh</c>.</summary>
    public string QueuePrefix { get; set; } = "mailmesh";

    /// <summary>Unacknowledged deliveries per shard consumer (how many turns of one shard may be in flight). Default 64.</summary>
    public ushort PrefetchCount { get; set; } = 64;

    /// <summary>At most this many calls travel in one message to a shard queue, and at most this many answers in one
    /// message back to a caller. Default 64.</summary>
    public int MaxBatchCalls { get; set; } = 64;

    /// <summary>A batch stops growing at this many bytes (a single larger call or answer travels alone). Default 64 KiB.</summary>
    public int MaxBatchBytes { get; set; } = 64 * 1024;

    /// <summary>A one-way message whose handling failed this many times goes to the dead-letter queue with the error.
    /// Default 5.</summary>
    public int MaxDeliveryAttempts { get; set; } = 5;

    /// <summary>How long a hand-over waits for the shard's running turns before it cancels the consumer anyway.
    /// Default 30 s.</summary>
    public TimeSpan HandOverTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The AMQP heartbeat: a silo whose connection goes silent this long loses its consumers to the broker.
    /// Default 10 s.</summary>
    public TimeSpan Heartbeat { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>Checks <see cref="RabbitMqFabricOptions"/>; each message says how to fix the value.</summary>
public sealed class RabbitMqFabricOptionsValidator : IValidateOptions<RabbitMqFabricOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, RabbitMqFabricOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            errors.Add("Cluster:RabbitMq:ConnectionString is not set; set MAILMESH__CLUSTER__RABBITMQ__CONNECTIONSTRING to amqp://user:password@host:5672/vhost.");
        }
        else if (!Uri.TryCreate(options.ConnectionString, UriKind.Absolute, out var uri) || uri.Scheme is not ("amqp" or "amqps"))
        {
            errors.Add("Cluster:RabbitMq:ConnectionString is not an amqp:// or amqps:// URI (MAILMESH__CLUSTER__RABBITMQ__CONNECTIONSTRING), e.g. amqp://user:password@host:5672/vhost.");
        }

        if (string.IsNullOrEmpty(options.QueuePrefix) || options.QueuePrefix.Length > 100 || !options.QueuePrefix.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            errors.Add($"Cluster:RabbitMq:QueuePrefix '{options.QueuePrefix}' must be 1-100 ASCII letters, digits, '-', '_' or '.' (MAILMESH__CLUSTER__RABBITMQ__QUEUEPREFIX).");
        }

        if (options.PrefetchCount == 0)
        {
            errors.Add("Cluster:RabbitMq:PrefetchCount is 0; set MAILMESH__CLUSTER__RABBITMQ__PREFETCHCOUNT to 1-65535 (default 64).");
        }

        if (options.MaxDeliveryAttempts is < 1 or > 1000)
        {
            errors.Add($"Cluster:RabbitMq:MaxDeliveryAttempts is {options.MaxDeliveryAttempts}; set MAILMESH__CLUSTER__RABBITMQ__MAXDELIVERYATTEMPTS to 1-1000 (default 5).");
        }

        if (options.MaxBatchCalls is < 1 or > 10_000 || options.MaxBatchBytes is < 1024 or > 16 * 1024 * 1024)
        {
            errors.Add($"Cluster:RabbitMq:MaxBatchCalls ({options.MaxBatchCalls}) must be 1-10000 and Cluster:RabbitMq:MaxBatchBytes ({options.MaxBatchBytes}) 1024-16777216 (MAILMESH__CLUSTER__RABBITMQ__MAXBATCHCALLS, __MAXBATCHBYTES; defaults 64 and 65536).");
        }

        if (options.HandOverTimeout <= TimeSpan.Zero || options.Heartbeat < TimeSpan.FromSeconds(1))
        {
            errors.Add("Cluster:RabbitMq:HandOverTimeout must be positive and Cluster:RabbitMq:Heartbeat at least 1 s (defaults 00:00:30 and 00:00:10).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
