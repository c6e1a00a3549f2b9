using System.Text.Json;
using MailMesh.Api.Tests.Infrastructure;
using MailMesh.Api.V1;
using MailMesh.Client;
using MailMesh.Runtime.Storage;
using MailMesh.Testing;
using Microsoft.Extensions.DependencyInjection;
using ProtoStatus = MailMesh.Api.V1.ConversationStatus;

namespace MailMesh.Api.Tests;

/// <summary>Response-time targets and the audit of message actions, on mail synced from Dovecot.</summary>
[Collection(MailboxApiCollection.Name)]
public sealed class SharingSlaTests(MailboxApiHost host)
{
    [ServerFact(Server.Dovecot)]
    public async Task SetSlaPolicy_UnansweredOpenConversation_EmitsOneBreachPerConversation()
    {
        await using var dovecot = await DovecotUser.OpenAsync();
        var folder = DovecotUser.NewFolderName();
        await dovecot.Client.CreateMailboxAsync(folder);
        var tag = Guid.NewGuid().ToString("N")[..8];
        await dovecot.Client.AppendAsync(folder, DovecotUser.Message("Help!", "a@c.test", "Mon, 02 Nov 2026 09:00:00 +0000", "1", $"late-{tag}@x.test"));
        await dovecot.Client.AppendAsync(folder, DovecotUser.Message("Re: Help!", "a@c.test", "Mon, 02 Nov 2026 10:00:00 +0000", "2", $"late2-{tag}@x.test", $"late-{tag}@x.test"));
        await dovecot.Client.AppendAsync(folder, DovecotUser.Message("Answered", "b@c.test", "Mon, 02 Nov 2026 09:00:00 +0000", "3", $"answered-{tag}@x.test"));
        await dovecot.Client.AppendAsync(folder, DovecotUser.Message("Closed", "c@c.test", "Mon, 02 Nov 2026 09:00:00 +0000", "4", $"closed-{tag}@x.test"));
        await dovecot.Client.AppendAsync(folder, DovecotUser.Message("Old", "d@c.test", "Mon, 05 Oct 2026 09:00:00 +0000", "5", $"old-{tag}@x.test"));
        var (tenant, admin) = await host.NewTenantAsync("sla");
        var key = await host.NewKeyAsync(admin, ApiScopes.MailboxesRead, ApiScopes.MailboxesWrite, ApiScopes.MailboxesDelegate);
        using var app = host.Client(key);
        await MailboxMessagesApiTests.CreateAndSyncAsync(app, "support", dovecot.Source("support", folder));
        await app.Sharing.SetMemberAsync(new SetMemberRequest { Mailbox = "support", User = "ann@team.test", Access = AccessLevel.Full });
        var asAnn = SharingClient.ForUser("ann@team.test");
        var answered = (await app.Mailboxes.ListMessagesAsync(new ListMessagesRequest { Name = "support", Subject = "Answered" }, asAnn)).Messages.Single();
        await app.Mailboxes.SetFlagsAsync(new SetFlagsRequest { Name = "support", Folder = folder, Uid = answered.Uid, Add = { "\\Answered" } }, asAnn);
        await app.Sharing.UpdateConversationAsync(new UpdateConversationRequest { Mailbox = "support", ConversationId = $"closed-{tag}@x.test", Status = ProtoStatus.Closed }, asAnn);
        var read = (await app.Mailboxes.ListMessagesAsync(new ListMessagesRequest { Name = "support", Subject = "Old" }, asAnn)).Messages.Single();
        await app.Mailboxes.GetMessageAsync(new GetMessageRequest { Name = "support", Folder = folder, Uid = read.Uid, Parse = true }, asAnn);

        var policy = await app.Sharing.SetSlaPolicyAsync(new SetSlaPolicyRequest
        {
            Mailbox = "support", FirstResponseSeconds = 3600, AppliesSince = MailboxMessagesApiTests.Ts("2026-11-01T00:00:00Z"),
        }, asAnn);
        await app.Sharing.SetSlaPolicyAsync(new SetSlaPolicyRequest
        {
            Mailbox = "support", FirstResponseSeconds = 3600, AppliesSince = MailboxMessagesApiTests.Ts("2026-11-01T00:00:00Z"),
        }, asAnn);
        var breaches = await host.Services.GetRequiredService<IEventLog>().ReadAsync(1, 10_000, new EventFilter(tenant, "message.sla_breached", $"{tenant}/support"));
        var late = await app.Sharing.GetConversationAsync(new GetConversationRequest { Mailbox = "support", ConversationId = $"late-{tag}@x.test" }, asAnn);
        var audit = await app.Sharing.ListAuditAsync(new ListAuditRequest { Mailbox = "support", Action = "message" }, asAnn);
        var badTarget = await Assert.ThrowsAsync<MailMeshRpcException>(() => app.Sharing.SetSlaPolicyAsync(new SetSlaPolicyRequest { Mailbox = "support", FirstResponseSeconds = 30 }, asAnn));

        Assert.Equal(3600, policy.FirstResponseSeconds);
        var breach = Assert.Single(breaches);
        var payload = JsonDocument.Parse(breach.PayloadJson).RootElement;
        Assert.Equal($"late-{tag}@x.test", payload.GetProperty("conversationId").GetString());
        Assert.NotNull(late.SlaBreachedAt);
        Assert.Equal(["message.flagged", "message.replied", "message.read"], audit.Entries.Select(e => e.Action));
        Assert.All(audit.Entries, e => Assert.Equal("ann@team.test", e.Actor));
        Assert.Equal($"{folder}/{read.Uid}", audit.Entries[2].Target);
        Assert.StartsWith("invalid first_response_seconds:", badTarget.Detail, StringComparison.Ordinal);
    }
}
