using System.Net;
using System.Net.Http;
using MailMesh.Relays.Webhooks;

namespace MailMesh.Relays.Tests;

public sealed class SsrfGuardTests
{
    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("10.1.2.3")]
    [InlineData("172.16.0.1")]
    [InlineData("192.168.1.1")]
    [InlineData("169.254.169.254")]
    [InlineData("100.64.0.1")]
    [InlineData("0.0.0.0")]
    [InlineData("::1")]
    [InlineData("fe80::1")]
    [InlineData("fd00:ec2::254")]
    [InlineData("::ffff:127.0.0.1")]
    [InlineData("::ffff:169.254.169.254")]
    [InlineData("224.0.0.1")]
    public void Check_InternalAddress_IsRefused(string address) =>
        Assert.NotNull(new SsrfGuard([]).Check(IPAddress.Parse(address)));

    [Theory]
    [InlineData("93.184.216.34")]
    [InlineData("1.1.1.1")]
    [InlineData("2606:4700:4700::1111")]
    public void Check_PublicAddress_IsAllowed(string address) =>
        Assert.Null(new SsrfGuard([]).Check(IPAddress.Parse(address)));

    [Fact]
    public void Check_AllowListedNetwork_IsAllowedAndOnlyIt()
    {
        var guard = new SsrfGuard(["10.1.0.0/16"]);

        Assert.Null(guard.Check(IPAddress.Parse("10.1.200.3")));
        Assert.NotNull(guard.Check(IPAddress.Parse("10.2.0.1")));
    }

    [Fact]
    public async Task ResolveAsync_NameResolvingToLoopback_IsRefused()
    {
        var e = await Assert.ThrowsAsync<WebhookTargetRefusedException>(() => new SsrfGuard([]).ResolveAsync("localhost", CancellationToken.None));

        Assert.Contains("loopback", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(200, WebhookAttemptKind.Delivered)]
    [InlineData(204, WebhookAttemptKind.Delivered)]
    [InlineData(301, WebhookAttemptKind.Permanent)]
    [InlineData(307, WebhookAttemptKind.Permanent)]
    [InlineData(400, WebhookAttemptKind.Permanent)]
    [InlineData(410, WebhookAttemptKind.Permanent)]
    [InlineData(408, WebhookAttemptKind.Retry)]
    [InlineData(429, WebhookAttemptKind.Retry)]
    [InlineData(500, WebhookAttemptKind.Retry)]
    [InlineData(503, WebhookAttemptKind.Retry)]
    public void Classify_Status_RetriesOnlyServerErrorsTimeoutsAndThrottling(int status, WebhookAttemptKind expected)
    {
        using var response = new HttpResponseMessage((HttpStatusCode)status);

        Assert.Equal(expected, WebhookSender.Classify(response, DateTimeOffset.UtcNow).Kind);
    }

    [Fact]
    public void Classify_429WithRetryAfter_CarriesTheDelay()
    {
        using var response = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(42));

        Assert.Equal(TimeSpan.FromSeconds(42), WebhookSender.Classify(response, DateTimeOffset.UtcNow).RetryAfter);
    }
}
