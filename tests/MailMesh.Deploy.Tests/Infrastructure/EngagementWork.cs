using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using MailMesh.Api.V1;
using MailMesh.Client;
using MailMesh.Engagement.Bounces;
using MailMesh.Testing;

namespace MailMesh.Deploy.Tests.Infrastructure;

/// <summary>The campaign and engagement work of a small deployment, done through the public surfaces only: a campaign
/// sent through the API to the capturing SMTP sink (one contact suppressed, a throttle that makes the worker wait),
/// the tracking pixel and the rewritten link of a delivered message fetched from the tracking listener, then a burst of
/// pixel fetches larger than the silo's small hit queue and spill journal (<see cref="DeploySilo"/>: 16 hits in memory,
/// 600 bytes of journal) so some hits are spilled and some refused with 503 as under overload, and a signed provider webhook reporting a hard bounce of a contact outside the segment (so
/// every campaign keeps two mailable recipients and one suppressed).</summary>
internal sealed partial class EngagementWork : IDisposable
{
    private readonly MailMeshClient _client;
    private readonly DeploySilo _silo;
    private readonly HttpClient _http;
    private readonly string _tag = Guid.NewGuid().ToString("N")[..12];
    /// <summary>Pixel fetches at once, several times the hit queue (16).</summary>
    private const int BurstSize = 64;

    private int _campaigns;
    private int _bounces;
    private IReadOnlyList<Uri> _trackingUrls = [];

    public EngagementWork(DeploySilo silo)
    {
        _silo = silo;
        _client = silo.Client;
        _http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = silo.TrackingAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>Recipients of every campaign: two mailable contacts and one suppressed before sending.</summary>
    private string[] Recipients => [$"dash-a-{_tag}@example.com", $"dash-b-{_tag}@example.org", $"dash-z-{_tag}@example.net"];

    public void Dispose() => _http.Dispose();

    /// <summary>Template, contacts and segment; the first campaign sent and completed; its pixel and link fetched; a hard
    /// bounce reported through the webhook.</summary>
    public async Task RunAsync()
    {
        await _client.Templates.SaveAsync(new SaveTemplateRequest
        {
            Name = "dashboard", Subject = "Deploy " + _tag + " for {{default first_name \"you\"}}",
            Html = "<p>Hi {{first_name}}, see <a href=\"https://shop.example.com/offer\">the offer</a>.</p>",
        });
        foreach (var address in Recipients)
        {
            await _client.Contacts().CreateAsync(new CreateContactRequest
            {
                Address = address, Attributes = { ["first_name"] = new AttributeValue { StringValue = "Dash" }, ["tier"] = new AttributeValue { StringValue = "deploy" } },
            });
        }

        await _client.Contacts().SuppressAsync(new SuppressContactRequest { Address = Recipients[2], Reason = "manual" });
        await _client.Segments().CreateAsync(new CreateSegmentRequest { Name = "deploy", Expression = "tier = \"deploy\"" });

        var id = await StartCampaignAsync();
        var final = await WaitEndedAsync(id);
        Assert.True(final.Status == CampaignStatus.Completed, $"campaign {id} ended {final.Status} ({final.StatusReason}): {final.Progress}");
        Assert.Equal((2L, 1L), (final.Progress.Sent, final.Progress.Suppressed));

        _trackingUrls = TrackingUrlsOf(Assert.Single(SinkMessagesWith(Recipients[0])));
        Assert.True(_trackingUrls.Count >= 2, $"the message to {Recipients[0]} has no open pixel and tracked link on {_silo.TrackingAddress}");
        await FetchTrackingAsync();
        await ReportBounceAsync();
    }

    /// <summary>What keeps going while a deployment runs: another campaign started, the pixel and link fetched again,
    /// another bounce reported.</summary>
    public async Task KeepGoingAsync()
    {
        await StartCampaignAsync();
        await FetchTrackingAsync();
        await ReportBounceAsync();
    }

    private async Task<string> StartCampaignAsync()
    {
        var id = $"dash-{_tag}-{Interlocked.Increment(ref _campaigns)}";
        await _client.Campaigns.CreateAsync(new CreateCampaignRequest
        {
            Id = id,
            Definition = new CampaignDefinition
            {
                Name = "Dashboard " + id, Template = "dashboard", Segment = "deploy",
                Sender = new CampaignSender { FromAddress = "news@deploy.test", FromName = "Deploy" },

                // 60 a minute with one worker: the second recipient waits about a second for the throttle.
                Throttle = new CampaignThrottle { PerMinute = 60, SlowStart = false },
            },
        });
        await _client.Campaigns.ScheduleAsync(new ScheduleCampaignRequest { Id = id });
        return id;
    }

    private async Task<Campaign> WaitEndedAsync(string id)
    {
        var watch = new WatchCampaignProgressRequest { Id = id, Interval = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromMilliseconds(200)) };
        Campaign? last = null;
        try
        {
            await foreach (var state in _client.Campaigns.WatchProgressAsync(watch, new CallOptions { Timeout = TimeSpan.FromMinutes(2) }))
            {
                last = state;
            }
        }
        catch (MailMeshRpcException e) when (e.StatusCode == StatusCode.DeadlineExceeded)
        {
            Assert.Fail($"campaign {id} did not end within 2 minutes; last seen: {last}");
        }

        return last ?? throw new InvalidOperationException($"WatchProgress of campaign {id} ended without a state");
    }

    /// <summary>Fetches the pixel and the tracked link one after the other (each answers: 200 with the GIF, a redirect to
    /// the target), then the pixel <see cref="BurstSize"/> times at once.</summary>
    private async Task FetchTrackingAsync()
    {
        foreach (var url in _trackingUrls)
        {
            await FetchAsync(url);
        }

        var pixel = _trackingUrls.First(u => u.AbsolutePath.StartsWith("/o/", StringComparison.Ordinal));
        await Task.WhenAll(Enumerable.Range(0, BurstSize).Select(_ => FetchAsync(pixel, overload: true)));
    }

    /// <summary>Fetches a tracking URL: 200 with the GIF or a redirect; under <paramref name="overload"/> also 503 with
    /// Retry-After (a hit refused because the memory queue and the spill journal are full), the pixel still carrying
    /// the GIF.</summary>
    private async Task FetchAsync(Uri url, bool overload = false)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.UserAgent.ParseAdd("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0");
        using var response = await _http.SendAsync(request);
        var refused = overload && response.StatusCode == HttpStatusCode.ServiceUnavailable && response.Headers.RetryAfter is not null;
        Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Found || refused,
            $"GET {url} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>Creates a contact outside the segment and posts a signed provider event reporting its hard bounce, which
    /// must be recorded.</summary>
    private async Task ReportBounceAsync()
    {
        var number = Interlocked.Increment(ref _bounces);
        var address = $"dash-bounce{number}-{_tag}@example.org";
        await _client.Contacts().CreateAsync(new CreateContactRequest { Address = address });
        var body = Encoding.UTF8.GetBytes($$"""
            {"events": [{"id": "dash-{{_tag}}-{{number}}", "type": "bounce", "bounceType": "hard", "recipient": "{{address}}",
              "status": "5.1.1", "diagnostic": "550 5.1.1 user unknown"}]}
            """);
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, BounceWebhook.Route.Replace("{tenant}", DeploySilo.Tenant, StringComparison.Ordinal))
        {
            Content = new ByteArrayContent(body) { Headers = { ContentType = new("application/json") } },
        };
        request.Headers.Add(BounceWebhook.TimestampHeader, timestamp.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add(BounceWebhook.SignatureHeader, BounceWebhook.Sign(DeploySilo.BounceWebhookSecret, timestamp, body));
        using var response = await _http.SendAsync(request);
        var answer = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK && answer.Contains("\"recorded\":1", StringComparison.Ordinal),
            $"the bounce webhook answered {(int)response.StatusCode}: {answer}");
    }

    private static IReadOnlyList<string> SinkMessagesWith(string text)
    {
        var directory = TestServers.SmtpCapture.NewMessagesDirectory;
        return Directory.Exists(directory)
            ? [.. Directory.EnumerateFiles(directory).Select(File.ReadAllText).Where(m => m.Contains(text, StringComparison.OrdinalIgnoreCase))]
            : [];
    }

    /// <summary>The tracking listener's URLs in a message (quoted-printable soft breaks and <c>=3D</c> undone).</summary>
    private IReadOnlyList<Uri> TrackingUrlsOf(string message)
    {
        var text = message.Replace("=\r\n", "", StringComparison.Ordinal).Replace("=\n", "", StringComparison.Ordinal).Replace("=3D", "=", StringComparison.Ordinal);
        var origin = _silo.TrackingAddress.GetLeftPart(UriPartial.Authority);
        return [.. TrackedUrl().Matches(text).Select(m => m.Value).Where(u => u.StartsWith(origin + "/o/", StringComparison.Ordinal) || u.StartsWith(origin + "/c/", StringComparison.Ordinal))
            .Distinct(StringComparer.Ordinal).Select(u => new Uri(u))];
    }

    /// <summary>A pixel or click URL: base64url tokens, the pixel ending in .gif (text parts put links in brackets).</summary>
    [GeneratedRegex(@"https?://[A-Za-z0-9.:\-]+/[oc]/[A-Za-z0-9_\-]+(?:\.gif)?")]
    private static partial Regex TrackedUrl();
}
