using System.Text.Json;
using MailMesh.Api.V1;
using MailMesh.Cli;
using MailMesh.Relays.Webhooks;

namespace MailMesh.Relays.Tests;

/// <summary><c>mailmesh webhooks …</c> against a real silo and a real receiver.</summary>
public sealed class WebhooksCliTests
{
    private static readonly string[] LoopbackAllowed = ["--Relays:Webhooks:AllowedNetworks:0", "127.0.0.1/32"];

    [Fact]
    public async Task Webhooks_CreateListGetDelete_RoundTripsThroughTheApi()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var silo = await RelaySilo.StartAsync(null, LoopbackAllowed);

        var created = await RunAsync(silo, "webhooks", "create", receiver.Url.ToString(), "--event", "mailbox", "--event", "message.received",
            "--description", "crm sync", "--json");
        Assert.Equal(0, created.Code);
        using var json = JsonDocument.Parse(created.Out);
        var id = json.RootElement.GetProperty("id").GetString()!;
        Assert.False(string.IsNullOrEmpty(json.RootElement.GetProperty("secret").GetString()));
        Assert.Equal(["mailbox", "message.received"], json.RootElement.GetProperty("eventTypes").EnumerateArray().Select(e => e.GetString()));

        var list = await RunAsync(silo, "webhooks", "list", "--json");
        var listed = list.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(id, Assert.Single(listed).GetProperty("id").GetString());
        Assert.Equal("", listed[0].GetProperty("secret").GetString());

        var get = await RunAsync(silo, "webhooks", "get", id);
        Assert.Equal(0, get.Code);
        Assert.Contains("events:       mailbox, message.received", get.Out, StringComparison.Ordinal);
        Assert.Contains("description:  crm sync", get.Out, StringComparison.Ordinal);

        var delete = await RunAsync(silo, "webhooks", "delete", id);
        Assert.Equal((0, $"deleted webhook {id}\n"), (delete.Code, delete.Out));
        Assert.Empty((await silo.Client.Webhooks.ListSubscriptionsAsync(new ListWebhookSubscriptionsRequest())).Subscriptions);
        Assert.Equal("no webhook subscriptions\n", (await RunAsync(silo, "webhooks", "list")).Out);
    }

    [Fact]
    public async Task WebhooksGet_UnknownId_ExitsOneSayingNotFound()
    {
        await using var silo = await RelaySilo.StartAsync();

        var (code, output, error) = await RunAsync(silo, "webhooks", "get", "nope");

        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.Contains("NotFound: no webhook subscription with id 'nope'", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WebhooksCreate_LoopbackTargetNotAllowListed_ExitsOneWithTheSsrfReason()
    {
        await using var silo = await RelaySilo.StartAsync();

        var (code, _, error) = await RunAsync(silo, "webhooks", "create", "http://127.0.0.1:9/hook");

        Assert.Equal(1, code);
        Assert.Contains("FailedPrecondition", error, StringComparison.Ordinal);
        Assert.Contains("Relays:Webhooks:AllowedNetworks", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WebhooksDeadLettersAndReplay_RefusedEvent_IsListedThenRedelivered()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Script(WebhookReceiver.Status(410), WebhookReceiver.Ok);
        await using var silo = await RelaySilo.StartAsync(null, LoopbackAllowed);
        var subscription = await silo.Client.Webhooks.CreateSubscriptionAsync(
            new CreateWebhookSubscriptionRequest { Url = receiver.Url.ToString(), EventTypes = { "mailbox.created" } });
        await silo.CreateMailboxAsync("archive");
        var letters = await WebhookDeliveryTests.WaitForDeadLettersAsync(silo.Client, subscription.Id);
        var eventId = letters.DeadLetters.Single().EventId;

        var human = await RunAsync(silo, "webhooks", "dead-letters", subscription.Id);
        var lines = await RunAsync(silo, "webhooks", "dead-letters", subscription.Id, "--json");
        var replay = await RunAsync(silo, "webhooks", "replay", subscription.Id, "--event-id", eventId);
        await receiver.WaitForAsync(2, "the replayed mailbox.created");

        Assert.Equal(0, human.Code);
        Assert.Contains("HTTP 410", human.Out, StringComparison.Ordinal);
        using var letter = JsonDocument.Parse(lines.Out.Trim());
        Assert.Equal(eventId, letter.RootElement.GetProperty("eventId").GetString());
        Assert.Equal("mailbox.created", letter.RootElement.GetProperty("type").GetString());
        Assert.Equal((0, "queued 1 dead letter(s) for delivery\n"), (replay.Code, replay.Out));
        Assert.Equal(eventId, receiver.Requests.Last().Headers[WebhookSignature.EventIdHeader]);
        Assert.Equal("no dead letters\n", (await RunAsync(silo, "webhooks", "dead-letters", subscription.Id)).Out);
    }

    [Fact]
    public async Task WebhooksCreate_EmptyEventType_ExitsTwoNamingTheOption()
    {
        await using var silo = await RelaySilo.StartAsync();

        var (code, _, error) = await RunAsync(silo, "webhooks", "create", "https://example.com/hook", "--event", " ");

        Assert.Equal(2, code);
        Assert.Contains("--event needs an event type", error, StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Out, string Err)> RunAsync(RelaySilo silo, params string[] args)
    {
        var env = new Dictionary<string, string?>
        {
            ["MAILMESH_URL"] = silo.GrpcAddress.ToString(), ["MAILMESH_KEY"] = silo.ApiKey, ["MAILMESH_CONFIG"] = "/nonexistent/profiles.json",
        };
        using var output = new StringWriter { NewLine = "\n" };
        using var error = new StringWriter { NewLine = "\n" };
        var code = await new CliApp(output, error, name => env.GetValueOrDefault(name)).RunAsync(args);
        return (code, output.ToString(), error.ToString());
    }
}
