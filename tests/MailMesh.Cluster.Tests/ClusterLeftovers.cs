using MailMesh.Runtime.RabbitMq;
using MailMesh.Testing;
using Npgsql;
using RabbitMQ.Client;

namespace MailMesh.Cluster.Tests;

/// <summary>Removes what a test's cluster left on the shared test servers: its PostgreSQL schema, its RabbitMQ shard
/// and dead-letter queues.</summary>
public static class ClusterLeftovers
{
    public static async Task DropSchemaAsync(string schema)
    {
        await using var connection = new NpgsqlConnection(TestServers.PostgresConnectionString);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{schema}\" CASCADE", connection);
        await drop.ExecuteNonQueryAsync();
    }

    public static async Task DeleteQueuesAsync(Uri broker, string queuePrefix, int shards)
    {
        await using var connection = await new ConnectionFactory { Uri = broker }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        for (var shard = 0; shard < shards; shard++)
        {
            await channel.QueueDeleteAsync(RabbitMqFabric.QueueName(queuePrefix, shard));
        }

        await channel.QueueDeleteAsync(queuePrefix + ".dead");
    }
}
