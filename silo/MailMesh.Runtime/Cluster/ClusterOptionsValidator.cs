using MailMesh.Runtime.Cluster;
using Microsoft.Extensions.Options;

namespace MailMesh.Runtime.Hosting;

/// <summary>Checks <see cref="ClusterOptions"/> at start-up; each message says how to fix the value.</summary>
public sealed class ClusterOptionsValidator : IValidateOptions<ClusterOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, ClusterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (options.ShardCount is < 1 or > GrainShards.MaxShardCount)
        {
            errors.Add($"Cluster:ShardCount is {options.ShardCount}; set MAILMESH__CLUSTER__SHARDCOUNT to 1-{GrainShards.MaxShardCount} (default {GrainShards.DefaultShardCount}), the same on every silo.");
        }

        if (options.SiloId is { } id && (id.Length is 0 or > 200 || id.Any(c => char.IsControl(c) || char.IsWhiteSpace(c))))
        {
            errors.Add($"Cluster:SiloId '{id}' must be 1-200 characters without spaces or control characters (MAILMESH__CLUSTER__SILOID); leave it unset for host name plus a random suffix.");
        }

        if (options.Address is { } address && (string.IsNullOrWhiteSpace(address) || address.Length > 200 || address.Any(char.IsControl)))
        {
            errors.Add($"Cluster:Address '{address}' must be host:port (1-200 characters), e.g. 10.0.0.7:5081 (MAILMESH__CLUSTER__ADDRESS).");
        }

        Positive(errors, options.HeartbeatInterval, nameof(options.HeartbeatInterval), "00:00:02");
        Positive(errors, options.RefreshInterval, nameof(options.RefreshInterval), "00:00:01");
        Positive(errors, options.DefunctRetention, nameof(options.DefunctRetention), "01:00:00");
        if (options.DeclareDeadGracePeriod < TimeSpan.Zero)
        {
            errors.Add($"Cluster:DeclareDeadGracePeriod is {options.DeclareDeadGracePeriod}; set MAILMESH__CLUSTER__DECLAREDEADGRACEPERIOD to zero or more, such as 00:00:10.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void Positive(List<string> errors, TimeSpan value, string name, string example)
    {
        if (value <= TimeSpan.Zero)
        {
            errors.Add($"Cluster:{name} is {value}; set MAILMESH__CLUSTER__{name.ToUpperInvariant()} to a positive time span such as {example}.");
        }
    }
}
