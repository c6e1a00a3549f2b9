using System.Diagnostics;
using System.Text;
using System.Text.Json;
using MailMesh.Api.V1;
using MailMesh.Client;
using MailMesh.Relays.Webhooks;
using MailMesh.Testing;

namespace MailMesh.Relays.Tests;

public sealed class WebhookDeliveryTests
{
    private static readonly string[] LoopbackAllowed = ["--Relays:Webhooks:AllowedNetworks:0", "127.0.0.1/32"];

    [Fact]
    public async Task Deliver_ReceiverFailsThenTimesOutThenSucceeds_SameSignedEventArrivesThreeTimes()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Script(WebhookReceiver.Status(503), WebhookReceiver.Hang, WebhookReceiver.Ok);
        await using var silo = await RelaySilo.StartAsync(null, LoopbackAllowed);
        var subscription = await silo.Client.Webhooks.CreateSubscriptionAsync(new CreateWebhookSubscriptionRequest { Url = receiver.Url.ToString(), EventTypes = { "mailbox" } });

        await silo.CreateMailboxAsync("support");
        await receiver.WaitForAsync(3, "a 503, a timeout and a success for mailbox.created");

        var requests = receiver.Requests.ToArray();
        Assert.Single(requests.Select(r => r.Headers[WebhookSignature.EventIdHeader]).Distinct());
        using var body = JsonDocument.Parse(requests[2].Body);
        var root = body.RootElement;
        Assert.Equal("mailbox.created", root.GetProperty("type").GetString());
        Assert.Equal(requests[2].Headers[WebhookSignature.EventIdHeader], root.GetProperty("id").GetString());
        Assert.False(string.IsNullOrEmpty(root.GetProperty("tenant").GetString()));
        Assert.Equal("support", root.GetProperty("data").GetProperty("name").GetString());
        Assert.True(root.GetProperty("sequence").GetInt64() > 0);
        Assert.True(root.TryGetProperty("time", out _) && root.TryGetProperty("subject", out _));
        Assert.True(WebhookSignature.Verify(Encoding.UTF8.GetBytes(subscription.Secret), requests[2].Headers[WebhookSignature.Header], requests[2].Body,
            DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5)));
        Assert.True(requests[2].At - requests[0].At >= TimeSpan.FromSeconds(1), "the second attempt waited for the 1 s request timeout");
    }

    [SkippableFact]
    public async Task Signature_CheckedWithOpenSsl_Matches()
    {
        Skip.IfNot(File.Exists("/usr/bin/openssl"), "openssl is not installed (scripts/install-deps.sh installs it)");
        var secret = WebhookSignature.NewSecret();
        var body = Encoding.UTF8.GetBytes("{\"id\":\"x\",\"data\":{\"ü\":\"€\"}}");
        var header = WebhookSignature.Sign(Encoding.UTF8.GetBytes(secret), 1_700_000_000, body);
        var file = Path.GetTempFileName();
        await File.WriteAllBytesAsync(file, [.. Encoding.ASCII.GetBytes("1700000000."), .. body]);

        // What a receiver runs: HMAC-SHA256 keyed with the secret string over "<t>.<body>".
        var start = new ProcessStartInfo("/usr/bin/openssl", ["dgst", "-sha256", "-hmac", secret, "-r", file]) { RedirectStandardOutput = true };
        using var openssl = Process.Start(start)!;
        var output = await openssl.StandardOutput.ReadToEndAsync();
        await openssl.WaitForExitAsync();

        Assert.Equal(0, openssl.ExitCode);
        Assert.Equal("t=1700000000,v1=" + output.Split(' ')[0], header);
    }

    [Fact]
    public async Task Deliver_Redirect_IsNotFollowedAndDeadLetteredThenReplayed()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Script(WebhookReceiver.Redirect("http://169.254.169.254/latest/meta-data/"), WebhookReceiver.Ok);
        await using var silo = await RelaySilo.StartAsync(null, LoopbackAllowed);
        var subscription = await silo.Client.Webhooks.CreateSubscriptionAsync(
            new CreateWebhookSubscriptionRequest { Url = receiver.Url.ToString(), EventTypes = { "mailbox.created" } });

        await silo.CreateMailboxAsync("sales");
        await receiver.WaitForAsync(1, "the first attempt");
        var letters = await WaitForDeadLettersAsync(silo.Client, subscription.Id);

        Assert.Equal("mailbox.created", letters.DeadLetters.Single().Type);
        Assert.Contains("redirects are not followed", letters.DeadLetters.Single().Reason, StringComparison.Ordinal);
        Assert.Single(receiver.Requests);

        var replay = await silo.Client.Webhooks.ReplayDeadLettersAsync(new ReplayWebhookDeadLettersRequest { SubscriptionId = subscription.Id });
        await receiver.WaitForAsync(2, "the replayed event");

        Assert.Equal(1, replay.Queued);
        Assert.Equal(letters.DeadLetters[0].EventId, receiver.Requests.Last().Headers[WebhookSignature.EventIdHeader]);
        Assert.Empty((await silo.Client.Webhooks.ListDeadLettersAsync(new ListWebhookDeadLettersRequest { SubscriptionId = subscription.Id })).DeadLetters);
    }

    [Fact]
    public async Task Deliver_404_DeadLettersWithoutRetry()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Script(WebhookReceiver.Status(404));
        await using var silo = await RelaySilo.StartAsync(null, LoopbackAllowed);
        var subscription = await silo.Client.Webhooks.CreateSubscriptionAsync(
            new CreateWebhookSubscriptionRequest { Url = receiver.Url.ToString(), EventTypes = { "mailbox.created" } });

        await silo.CreateMailboxAsync("billing");
        var letters = await WaitForDeadLettersAsync(silo.Client, subscription.Id);

        Assert.Equal("HTTP 404", letters.DeadLetters.Single().Reason);
        Assert.Equal(1, letters.DeadLetters.Single().Attempts);
    }

    [Theory]
    [InlineData("http://127.0.0.1:9/hook", "loopback")]
    [InlineData("http://169.254.169.254/latest/meta-data/", "metadata")]
    [InlineData("http://10.0.0.7/hook", "private")]
    [InlineData("http://[::1]:8080/hook", "loopback")]
    [InlineData("http://localhost:8080/hook", "loopback")]
    public async Task CreateSubscription_InternalTarget_IsRefused(string url, string kind)
    {
        await using var silo = await RelaySilo.StartAsync();

        var e = await Assert.ThrowsAsync<MailMeshRpcException>(() =>
            silo.Client.Webhooks.CreateSubscriptionAsync(new CreateWebhookSubscriptionRequest { Url = url }));

        Assert.Equal(StatusCode.FailedPrecondition, e.StatusCode);
        Assert.Contains(kind, e.Message, StringComparison.Ordinal);
        Assert.Contains("Relays:Webhooks:AllowedNetworks", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ftp://example.com/hook", "url", "absolute http:// or https://")]
    [InlineData("https://user:pw@example.com/hook", "url", "user name or password")]
    [InlineData("", "url", "empty")]
    public async Task CreateSubscription_MalformedUrl_IsInvalidArgument(string url, string field, string problem)
    {
        await using var silo = await RelaySilo.StartAsync();

        var e = await Assert.ThrowsAsync<MailMeshRpcException>(() =>
            silo.Client.Webhooks.CreateSubscriptionAsync(new CreateWebhookSubscriptionRequest { Url = url }));

        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Contains(field, e.Message, StringComparison.Ordinal);
        Assert.Contains(problem, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Restart_UndeliveredEvent_IsDeliveredAfterRestartAndNothingEarlierIsRepeated()
    {
        var dataDirectory = RelaySilo.NewDataDirectory();
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Script(WebhookReceiver.Ok);
        string subscriptionId;
        await using (var first = await RelaySilo.StartAsync(dataDirectory, LoopbackAllowed))
        {
            subscriptionId = (await first.Client.Webhooks.CreateSubscriptionAsync(new CreateWebhookSubscriptionRequest { Url = receiver.Url.ToString() })).Id;
            await first.CreateMailboxAsync("one");
            await receiver.WaitForAsync(1, "mailbox one");
            receiver.Script(WebhookReceiver.Status(503));
            await first.CreateMailboxAsync("two");
            await receiver.WaitForAsync(2, "a failed attempt for mailbox two");
        }

        receiver.Script(WebhookReceiver.Ok);
        await using var second = await RelaySilo.StartAsync(dataDirectory, LoopbackAllowed);
        await second.CreateMailboxAsync("three");
        await WaitUntilAsync(() => Names(receiver).Contains("three"), "mailbox three after the restart");

        var names = Names(receiver);
        Assert.Equal(1, names.Count(n => n == "one"));
        Assert.Contains("two", names);
        Assert.True(names.IndexOf("two") < names.IndexOf("three"), "events arrive in log order");
        var position = (await second.Client.Webhooks.ListSubscriptionsAsync(new ListWebhookSubscriptionsRequest())).Subscriptions.Single(s => s.Id == subscriptionId).Position;
        Assert.True(position > 0);
    }

    private static List<string> Names(WebhookReceiver receiver) => receiver.Requests
        .Where(r => r.Headers.TryGetValue("MailMesh-Event-Type", out var t) && t == "mailbox.created")
        .Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("data").GetProperty("name").GetString()!)
        .Distinct().ToList();

    internal static async Task<ListWebhookDeadLettersResponse> WaitForDeadLettersAsync(MailMeshClient client, string subscriptionId)
    {
        ListWebhookDeadLettersResponse? letters = null;
        await WaitUntilAsync(async () =>
        {
            letters = await client.Webhooks.ListDeadLettersAsync(new ListWebhookDeadLettersRequest { SubscriptionId = subscriptionId });
            return letters.DeadLetters.Count > 0;
        }, "a dead letter");
        return letters!;
    }

    private static Task WaitUntilAsync(Func<bool> condition, string what) => WaitUntilAsync(() => Task.FromResult(condition()), what);

    /// <summary>Polls a condition the relay makes true asynchronously (it has no completion signal to await).</summary>
    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("waited 60 s for " + what);
            }

            await Task.Delay(50);
        }
    }
}
