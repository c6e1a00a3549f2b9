using MailMesh.Api.Tests.Infrastructure;
using MailMesh.Api.V1;
using MailMesh.Client;
using MailMesh.Runtime;
using Microsoft.Extensions.DependencyInjection;

namespace MailMesh.Api.Tests;

public sealed class EventStreamTests(ApiHostFixture fixture) : IClassFixture<ApiHostFixture>
{
    private static async Task<List<Event>> Take(IAsyncEnumerable<Event> stream, int count)
    {
        var events = new List<Event>();
        await foreach (var e in stream)
        {
            events.Add(e);
            if (events.Count == count)
            {
                break;
            }
        }

        return events;
    }

    [Fact]
    public async Task Subscribe_HistoryThenLive_OnlyTheCallersTenantAndFilter()
    {
        var (a, adminA) = await fixture.NewTenantAsync("ev-a");
        var (_, adminB) = await fixture.NewTenantAsync("ev-b");
        using var clientA = fixture.Host.Client(adminA);
        using var clientB = fixture.Host.Client(adminB);
        await clientB.Mailboxes.CreateAsync(new CreateMailboxRequest { Name = "b-only", DisplayName = "B" });
        await clientA.Mailboxes.CreateAsync(new CreateMailboxRequest { Name = "first", DisplayName = "First" });
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));

        var stream = clientA.Events.SubscribeAsync(new SubscribeRequest { FromSequence = 1, Type = "mailbox" }, cancellationToken: cts.Token);
        var reading = Take(stream, 2);
        await clientB.Mailboxes.CreateAsync(new CreateMailboxRequest { Name = "b-live", DisplayName = "B" });
        await clientA.Mailboxes.CreateAsync(new CreateMailboxRequest { Name = "live", DisplayName = "Live" });
        var events = await Wait.For(reading, "the stored and the live mailbox.created events of tenant A");

        Assert.All(events, e => Assert.Equal(a, e.Tenant));
        Assert.All(events, e => Assert.Equal("mailbox.created", e.Type));
        Assert.Equal([$"{a}/first", $"{a}/live"], events.Select(e => e.Subject));
        Assert.True(events[0].Sequence < events[1].Sequence);
    }

    [Fact]
    public async Task Subscribe_SlowSubscriber_EndsWithResourceExhaustedAndResumesWithoutGapOrRepeat()
    {
        var (tenant, admin) = await fixture.NewTenantAsync("slow");
        var grains = fixture.Host.Services.GetRequiredService<IGrainFactory>();
        await grains.GetGrain<IEventEmitterGrain>($"{tenant}/emitter").Emit(60, 16 * 1024);
        using var client = fixture.Host.Client(admin);
        var request = new SubscribeRequest { FromSequence = 1, Type = "test" };
        var received = new List<long>();

        // Read one event, then stop reading until the server has given up on this subscriber.
        var enumerator = client.Events.SubscribeAsync(request).GetAsyncEnumerator();
        Assert.True(await enumerator.MoveNextAsync());
        received.Add(enumerator.Current.Sequence);
        await Wait.For(fixture.Host.Logs.Logged(4103), "the server to notice the slow subscriber");
        var e = await Assert.ThrowsAsync<MailMeshRpcException>(async () =>
        {
            while (await enumerator.MoveNextAsync())
            {
                received.Add(enumerator.Current.Sequence);
            }
        });
        await enumerator.DisposeAsync();
        Assert.Equal(StatusCode.ResourceExhausted, e.StatusCode);
        Assert.InRange(received.Count, 1, 59);

        // FollowAsync resumes from the last sequence by itself each time the server gives up again.
        request.FromSequence = received[^1] + 1;
        var rest = Take(client.Events.FollowAsync(request, new RetryPolicy { InitialBackoff = TimeSpan.FromMilliseconds(1) }), 60 - received.Count);
        received.AddRange((await Wait.For(rest, "the remaining events through FollowAsync")).Select(x => x.Sequence));

        Assert.Equal(60, received.Distinct().Count());
        Assert.Equal(received.Order(), received);
        Assert.Equal(received[0] + 59, received[^1]);
    }

    [Fact]
    public async Task Subscribe_NegativeFrom_IsInvalidArgument()
    {
        var (_, admin) = await fixture.NewTenantAsync("neg");
        using var client = fixture.Host.Client(admin);

        var e = await Assert.ThrowsAsync<MailMeshRpcException>(() => Take(client.Events.SubscribeAsync(new SubscribeRequest { FromSequence = -5 }), 1));

        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Contains("from_sequence", e.Detail, StringComparison.Ordinal);
    }
}

public sealed class EventResumeAcrossRestartTests
{
    [Fact]
    public async Task Subscribe_ResumeFromLastSequenceAfterSiloRestart_MissesNothingAndRepeatsNothing()
    {
        var directory = Directory.CreateTempSubdirectory("mailmesh-restart-").FullName;
        try
        {
            string admin;
            long last;
            var host = await ApiTestHost.StartAsync(directory);
            await using (host)
            {
                using var op = host.Client(host.OperatorKey);
                admin = (await op.Admin.CreateTenantAsync(new CreateTenantRequest { TenantId = "restart", DisplayName = "R" })).AdminKey.Secret;
                using var client = host.Client(admin);
                await client.Mailboxes.CreateAsync(new CreateMailboxRequest { Name = "m1", DisplayName = "1" });
                await client.Mailboxes.CreateAsync(new CreateMailboxRequest { Name = "m2", DisplayName = "2" });
                var before = new List<Event>();
                await foreach (var e in client.Events.SubscribeAsync(new SubscribeRequest { FromSequence = 1, Type = "mailbox" }))
                {
                    before.Add(e);
                    if (before.Count == 2)
                    {
                        break;
                    }
                }

                last = before[^1].Sequence;
                Assert.Equal(["restart/m1", "restart/m2"], before.Select(e => e.Subject));
                await host.StopAsync();
            }

            await using var restarted = await ApiTestHost.StartAsync(directory);
            using var again = restarted.Client(admin);
            await again.Mailboxes.CreateAsync(new CreateMailboxRequest { Name = "m3", DisplayName = "3" });
            Event? next = null;
            await foreach (var e in again.Events.SubscribeAsync(new SubscribeRequest { FromSequence = last + 1, Type = "mailbox" }))
            {
                next = e;
                break;
            }

            Assert.Equal("restart/m3", next!.Subject);
            Assert.True(next.Sequence > last);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
