using System.CommandLine;
using MailMesh.Api.V1;
using Spectre.Console;

namespace MailMesh.Cli.Commands;

internal static class StatusCommand
{
    public static Command Create(CliApp app)
    {
        var json = Format.JsonOption();
        var command = new Command("status", "Show the server's status and who the key belongs to") { json };
        command.SetAction((parse, ct) => app.WithClientAsync(parse, async (client, options) =>
        {
            var status = await client.Status.GetAsync(new GetStatusRequest(), options, ct);
            if (parse.GetValue(json))
            {
                await app.Output.WriteLineAsync(Format.ToJson(status));
                return;
            }

            var grid = new Grid().AddColumn().AddColumn();
            grid.AddRow("server", $"{client.Channel.Address} (version {status.Version}, up since {Format.Time(status.StartedAt)})");
            grid.AddRow("tenant", status.Tenant);
            grid.AddRow("key", status.KeyId);
            grid.AddRow("scopes", string.Join(", ", status.Scopes));
            grid.AddRow("last event", status.LastEventSequence.ToString(System.Globalization.CultureInfo.InvariantCulture));
            app.Console.Write(grid);
        }));
        return command;
    }
}
