using System.CommandLine;
using MailMesh.Cli.Commands;
using MailMesh.Client;
using Spectre.Console;

namespace MailMesh.Cli;

/// <summary>The <c>mailmesh</c> command tree. Output and environment are injectable so the whole CLI can be tested in-process.</summary>
public sealed class CliApp
{
    private readonly Func<string, string?> _environment;

    /// <summary>Creates the app writing to <paramref name="output"/> and <paramref name="error"/>.</summary>
    public CliApp(TextWriter output, TextWriter error, Func<string, string?>? environment = null, HttpMessageHandler? httpHandler = null)
    {
        Output = output;
        Error = error;
        _environment = environment ?? Environment.GetEnvironmentVariable;
        HttpHandler = httpHandler;
        Console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = AnsiSupport.Detect,
            ColorSystem = ColorSystemSupport.Detect,
        });
        Url = new Option<string?>("--url") { Description = $"Server URL (env MAILMESH_URL; default {CliSettings.DefaultUrl})", Recursive = true };
        Key = new Option<string?>("--key") { Description = "API key (env MAILMESH_KEY)", Recursive = true };
        Profile = new Option<string?>("--profile") { Description = "Profile in the profile file (env MAILMESH_CONFIG names the file)", Recursive = true };
        Insecure = new Option<bool>("--insecure") { Description = "Accept any TLS certificate (development only)", Recursive = true };
        Timeout = new Option<double?>("--timeout") { Description = "Timeout of each call, in seconds (default 30)", Recursive = true };
    }

    internal TextWriter Output { get; }

    internal TextWriter Error { get; }

    internal IAnsiConsole Console { get; }

    internal HttpMessageHandler? HttpHandler { get; }

    internal Option<string?> Url { get; }

    internal Option<string?> Key { get; }

    internal Option<string?> Profile { get; }

    internal Option<bool> Insecure { get; }

    internal Option<double?> Timeout { get; }

    /// <summary>Parses and runs <paramref name="args"/>; returns the exit code (0 ok, 1 call failed, 2 usage or configuration error).</summary>
    public Task<int> RunAsync(string[] args, CancellationToken cancellationToken = default)
    {
        var root = new RootCommand("mailmesh: manage and watch a MailMesh server")
        {
            Url, Key, Profile, Insecure, Timeout,
            StatusCommand.Create(this),
            KeysCommands.Create(this),
            MailboxCommands.Create(this),
            MessagesCommands.Create(this),
            SharingCommands.Create(this),
            EventsCommands.Create(this),
            TenantsCommands.Create(this),
            RulesCommands.Create(this),
            ContactsCommands.Create(this),
            SegmentsCommands.Create(this),
            ClusterCommands.Create(this),
            WebhooksCommands.Create(this),
            TemplatesCommands.Create(this),
            CampaignsCommands.Create(this),
            ReportsCommands.Create(this),
        };
        return root.Parse(args).InvokeAsync(new InvocationConfiguration { Output = Output, Error = Error }, cancellationToken);
    }

    /// <summary>Runs one command body with a connected client, turning failures into a message and an exit code.</summary>
    internal async Task<int> WithClientAsync(ParseResult parse, Func<MailMeshClient, CallOptions, Task> body)
    {
        try
        {
            var settings = CliSettings.Resolve(parse.GetValue(Url), parse.GetValue(Key), parse.GetValue(Profile), parse.GetValue(Insecure), _environment);
            using var client = new MailMeshClient(settings.Url, new GrpcChannelOptions
            {
                ApiKey = settings.Key,
                HttpHandler = HttpHandler,
                DangerousAcceptAnyServerCertificate = settings.Insecure,
            });
            var seconds = parse.GetValue(Timeout) ?? 30;
            if (seconds <= 0)
            {
                throw new CliException($"--timeout must be a positive number of seconds, not {seconds}");
            }

            await body(client, new CallOptions { Timeout = TimeSpan.FromSeconds(seconds) }).ConfigureAwait(false);
            return 0;
        }
        catch (CliException e)
        {
            await Error.WriteLineAsync($"mailmesh: {e.Message}").ConfigureAwait(false);
            return 2;
        }
        catch (MailMeshRpcException e)
        {
            await Error.WriteLineAsync($"mailmesh: {Describe(e.StatusCode)}: {e.Detail}").ConfigureAwait(false);
            return 1;
        }
        catch (OperationCanceledException)
        {
            return 130;
        }
    }

    private static string Describe(StatusCode code) => code switch
    {
        StatusCode.Unauthenticated => "not authenticated (check --key / MAILMESH_KEY)",
        StatusCode.PermissionDenied => "permission denied",
        StatusCode.Unavailable => "server unavailable (check --url / MAILMESH_URL)",
        _ => code.ToString(),
    };
}
