using System.Diagnostics;
using System.Text;
using MailMesh.Api.V1;
using MailMesh.Client;
using MailMesh.Deploy.Tests.Infrastructure;
using MailMesh.Protocols;
using MailMesh.Protocols.Imap;
using MailMesh.Testing;

namespace MailMesh.Deploy.Tests;

/// <summary>Debian's prometheus scrapes a silo doing real work (gRPC calls, a mailbox sync against Dovecot, rules,
/// contacts, events relayed to a webhook, campaigns sent to the SMTP sink, tracking hits, bounce webhooks), then every
/// query of every dashboard panel runs through Prometheus' HTTP API and must return data.</summary>
/// <remarks>Runs alone (<see cref="SoloCollection"/>): ASP.NET Core's meters are created per host with the same name,
/// and the OpenTelemetry SDK ends the shared metric stream when any of them is disposed
/// (open-telemetry/opentelemetry-dotnet#6412), so another test's host stopping in this process would silence the silo's
/// HTTP request metrics.</remarks>
[Collection(SoloCollection.Name)]
public sealed class DashboardQueryTests
{
    /// <summary>How long the scrapes may take to show the work (Prometheus scrapes every second).</summary>
    private static readonly TimeSpan s_queryDeadline = TimeSpan.FromMinutes(3);

    [SkippableFact]
    public async Task EveryPanelQuery_AgainstAWorkingSilo_ReturnsData()
    {
        var executable = Tools.RequirePrometheus();
        TestServers.Require(Server.Dovecot);
        TestServers.Require(Server.SmtpCapture);
        var queries = Dashboards.AllQueries();
        Assert.NotEmpty(queries);

        await using var silo = await DeploySilo.StartAsync();
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var prometheus = await PrometheusServer.StartAsync(executable, silo.HttpAddress.Authority, "/metrics");

        await DoWorkAsync(silo.Client, receiver);
        using var engagement = new EngagementWork(silo);
        await engagement.RunAsync();

        var pending = queries.ToList();
        var last = new Dictionary<PanelQuery, string>();
        var clock = Stopwatch.StartNew();
        while (pending.Count > 0 && clock.Elapsed < s_queryDeadline)
        {
            foreach (var query in pending.ToList())
            {
                var (values, error) = await prometheus.QueryAsync(query.Expression);
                Assert.True(error is null, $"Prometheus refused {query}: {error}");
                if (values.Any(double.IsFinite))
                {
                    pending.Remove(query);
                }
                else
                {
                    last[query] = values.Count == 0 ? "no series" : $"only {string.Join(", ", values)}";
                }
            }

            if (pending.Count > 0)
            {
                // Steady traffic between scrapes, as a deployment has: rates and quantiles need a series to grow
                // after Prometheus first saw it. The next scrape (every second) may bring the missing series.
                await GenerateTrafficAsync(silo.Client);
                await engagement.KeepGoingAsync();
                await Task.Delay(TimeSpan.FromSeconds(1));
            }
        }

        Assert.True(pending.Count == 0,
            $"{pending.Count} of {queries.Count} panel queries returned no data within {s_queryDeadline.TotalSeconds:0} s " +
            $"(targets: {await prometheus.TargetStateAsync()}):\n" + string.Join('\n', pending.Select(q => $"{q} → {last.GetValueOrDefault(q)}")));
    }

    /// <summary>The calls a dashboard sees all the time: status checks, mailbox reads, a lookup that fails, and a new
    /// contact (its event goes to the webhook receiver, so webhook attempts keep being timed).</summary>
    private static async Task GenerateTrafficAsync(MailMeshClient client)
    {
        await client.Contacts().CreateAsync(new CreateContactRequest { Address = $"traffic-{Guid.NewGuid():N}@example.test" });
        await client.Status.GetAsync(new GetStatusRequest());
        await client.Mailboxes.GetAsync(new GetMailboxRequest { Name = "deploy" });
        await client.Mailboxes.ListMessagesAsync(new ListMessagesRequest { Name = "deploy" });
        await client.Mailboxes.GetSyncStatusAsync(new GetSyncStatusRequest { Name = "deploy" });
        await Assert.ThrowsAsync<MailMeshRpcException>(() => client.Mailboxes.GetAsync(new GetMailboxRequest { Name = "no-such-mailbox" }));
    }

    /// <summary>What a small deployment does: status calls and a failing call, a webhook subscription, a mailbox
    /// synced from Dovecot with rules, and a contact.</summary>
    private static async Task DoWorkAsync(MailMeshClient client, WebhookReceiver receiver)
    {
        await client.Status.GetAsync(new GetStatusRequest());
        var missing = await Assert.ThrowsAsync<MailMeshRpcException>(() => client.Mailboxes.GetAsync(new GetMailboxRequest { Name = "no-such-mailbox" }));
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);

        await client.Webhooks.CreateSubscriptionAsync(new CreateWebhookSubscriptionRequest { Url = receiver.Url.ToString(), Description = "dashboard test" });

        var dovecot = TestServers.Dovecot;
        var user = dovecot.Carol;
        var folder = "mmdeploy-" + Guid.NewGuid().ToString("N")[..12];
        await using (var imap = new ImapClient(new ImapClientOptions { Host = dovecot.Host, Port = dovecot.ImapPort, Tls = TlsMode.None, CommandTimeout = TimeSpan.FromSeconds(30) }))
        {
            await imap.ConnectAsync();
            await imap.AuthenticateAsync(user.Address, user.Password);
            await imap.CreateMailboxAsync(folder);
            foreach (var subject in new[] { "Invoice 1", "Hello", "Invoice 2" })
            {
                await imap.AppendAsync(folder, Encoding.UTF8.GetBytes(
                    $"From: billing@shop.test\r\nTo: {user.Address}\r\nSubject: {subject}\r\nDate: Mon, 02 Nov 2026 09:00:00 +0000\r\n" +
                    $"Message-ID: <{Guid.NewGuid():N}@deploy.test>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{subject}\r\n"));
            }
        }

        await client.Mailboxes.CreateAsync(new CreateMailboxRequest { Name = "deploy", DisplayName = "Deploy test" });
        var source = new SetSourceRequest
        {
            Name = "deploy", Protocol = SourceProtocol.Imap, Host = dovecot.Host, Port = dovecot.ImapPort, Tls = SourceTls.None,
            UserName = user.Address, Password = user.Password, PollIntervalSeconds = 3600, DisableIdle = true,
        };
        source.Folders.Add(folder);
        await client.Mailboxes.SetSourceAsync(source);
        await client.Rules().UploadAsync(new UploadRulesRequest
        {
            Mailbox = "deploy", Activate = true, Comment = "dashboard test",
            Script = "require [\"imap4flags\"];\nif header :contains \"subject\" \"invoice\" { addflag \"\\\\Flagged\"; }\n",
        });
        var status = await client.Mailboxes.SyncAndWaitAsync("deploy").WaitAsync(TimeSpan.FromMinutes(2));
        Assert.True(status.LastErrorKind == SyncErrorKind.None, $"the sync of {folder} failed: {status.LastError}");
        var listed = await client.Mailboxes.ListMessagesAsync(new ListMessagesRequest { Name = "deploy" });
        Assert.Equal(3, listed.Messages.Count);

        await client.Contacts().CreateAsync(new CreateContactRequest { Address = "ann@example.test" });

        await receiver.FirstDelivery.WaitAsync(TimeSpan.FromMinutes(1));
    }
}
