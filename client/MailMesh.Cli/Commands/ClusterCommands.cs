using System.CommandLine;
using System.Globalization;
using MailMesh.Api.V1;
using MailMesh.Client;
using Spectre.Console;

namespace MailMesh.Cli.Commands;

/// <summary><c>mailmesh cluster status</c>.</summary>
internal static class ClusterCommands
{
    public static Command Create(CliApp app)
    {
        var cluster = new Command("cluster", "Cluster membership and shard ownership");
        var json = Format.JsonOption();
        var shards = new Option<bool>("--shards") { Description = "Also list the owner of every shard" };
        var status = new Command("status", "Show the cluster's members and which shards each owns (admin key)") { json, shards };
        status.SetAction((parse, ct) => app.WithClientAsync(parse, async (client, options) =>
        {
            var response = await client.Cluster().GetStatusAsync(new GetClusterStatusRequest { IncludeShards = parse.GetValue(shards) }, options, ct);
            if (parse.GetValue(json))
            {
                await app.Output.WriteLineAsync(Format.ToJson(response));
                return;
            }

            if (response.Mode != "cluster")
            {
                await app.Output.WriteLineAsync($"{client.Channel.Address} runs in {response.Mode} mode: one silo, no cluster membership.");
                return;
            }

            await app.Output.WriteLineAsync(
                $"cluster seen by {response.SiloId}: membership version {response.MembershipVersion}, {response.ShardCount} shards, " +
                $"{response.Members.Count(m => m.Status == MemberStatus.Active)} active of {response.Members.Count} members");
            var table = new Table().AddColumns("silo", "address", "status", "shards", "started", "last heartbeat");
            foreach (var member in response.Members)
            {
                table.AddRow(
                    Markup.Escape(member.SiloId + (member.IsSelf ? " (this)" : "")),
                    Markup.Escape(member.Address),
                    Describe(member.Status),
                    member.ShardCount.ToString(CultureInfo.InvariantCulture),
                    Format.Time(member.StartedAt),
                    Format.Time(member.LastHeartbeat));
            }

            app.Console.Write(table);
            foreach (var group in response.Shards.GroupBy(s => s.SiloId))
            {
                var owner = group.Key.Length == 0 ? "(no active silo)" : group.Key;
                await app.Output.WriteLineAsync($"{owner}: {string.Join(' ', group.Select(s => s.Shard.ToString(CultureInfo.InvariantCulture)))}");
            }
        }));
        cluster.Add(status);
        return cluster;
    }

    private static string Describe(MemberStatus status) => status switch
    {
        MemberStatus.Active => "active",
        MemberStatus.ShuttingDown => "shutting down",
        MemberStatus.Left => "left",
        MemberStatus.Dead => "dead",
        _ => "unknown",
    };
}
