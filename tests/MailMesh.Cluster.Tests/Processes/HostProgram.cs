using MailMesh.Silo.Hosting;

namespace MailMesh.Cluster.Tests.Processes;

/// <summary>The product silo (<see cref="SiloHost"/>: API, mailboxes, rules, PostgreSQL, RabbitMQ) as a process of the
/// process tests, with the settings it is given as arguments. Like <see cref="SiloProgram"/> it prints its shard map
/// after every membership change (<see cref="ShardMapReporter"/>) and <c>READY</c> once started.</summary>
public static class HostProgram
{
    public static async Task<int> RunAsync(string[] settings)
    {
        await using var app = SiloHost.Build(settings);
        await ShardMapReporter.RunUntilShutdownAsync(app);
        return 0;
    }
}
