using Microsoft.Extensions.Options;

namespace MailMesh.Silo.Hosting;

/// <summary>Cluster mode: <c>Cluster:Enabled=true</c> (with <c>Storage:Provider=PostgreSql</c>) registers this silo in the
/// membership table, heartbeats and watches the other members (section <c>Cluster</c>, see
/// <see cref="MailMesh.Runtime.ClusterOptions"/>), and carries grain calls over RabbitMQ shard queues (section
/// <c>Cluster:RabbitMq</c>, see <see cref="MailMesh.Runtime.RabbitMq.RabbitMqFabricOptions"/>).</summary>
internal static class SiloCluster
{
    public static void AddSiloCluster(this IServiceCollection services, ConfigurationManager configuration)
    {
        if (!configuration.GetValue<bool>("Cluster:Enabled"))
        {
            return;
        }

        var provider = configuration["Storage:Provider"];
        if (!string.Equals(provider, "PostgreSql", StringComparison.OrdinalIgnoreCase))
        {
            throw new OptionsValidationException("Cluster", typeof(SiloOptions),
                [$"Cluster:Enabled is true but Storage:Provider is '{provider ?? "Sqlite"}'; a cluster keeps its membership and state in PostgreSQL: set MAILMESH__STORAGE__PROVIDER=PostgreSql (or MAILMESH__CLUSTER__ENABLED=false)."]);
        }

        // The fabric's hosted service is registered first so it stops last: on shutdown the membership service
        // announces the leave and runs the fabric's hand-over before the broker connection closes.
        services.AddMailMeshRabbitMqFabric();
        services.AddMailMeshClusterMembership();
    }
}
