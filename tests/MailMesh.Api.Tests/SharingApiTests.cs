using MailMesh.Api.Tests.Infrastructure;
using MailMesh.Api.V1;
using MailMesh.Client;
using MailMesh.Grains.Sharing;
using MailMesh.Runtime;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using ProtoStatus = MailMesh.Api.V1.ConversationStatus;

namespace MailMesh.Api.Tests;

/// <summary>Shared mailboxes: users acting through a delegating key, access levels, conversations, audit trail.</summary>
[Collection(MailboxApiCollection.Name)]
public sealed class SharingApiTests(MailboxApiHost host)
{
    [Fact]
    public async Task AccessLevels_UsersBelowTheLevel_AreDeniedOnEveryKindOfCall()
    {
        var (app, _) = await SharedMailboxAsync("levels");

        var asReader = SharingClient.ForUser("cat@team.test");
        var asSender = SharingClient.ForUser("bob@team.test");
        var asStranger = SharingClient.ForUser("dave@team.test");
        var readerSees = await app.Mailboxes.GetSyncStatusAsync(new GetSyncStatusRequest { Name = "support" }, asReader);
        var readerConversation = await app.Sharing.GetConversationAsync(new GetConversationRequest { Mailbox = "support", ConversationId = "c1" }, asReader);
        var senderUpdates = await app.Sharing.UpdateConversationAsync(new UpdateConversationRequest { Mailbox = "support", ConversationId = "c1", Status = ProtoStatus.Pending }, asSender);
        var denied = new (MailMeshRpcException Error, string Needs)[]
        {
            (await Fails(() => app.Sharing.UpdateConversationAsync(new UpdateConversationRequest { Mailbox = "support", ConversationId = "c1", Status = ProtoStatus.Closed }, asReader)), "send_as"),
            (await Fails(() => app.Sharing.AddNoteAsync(new AddNoteRequest { Mailbox = "support", ConversationId = "c1", Text = "hi" }, asReader)), "send_as"),
            (await Fails(() => app.Mailboxes.SetFlagsAsync(new SetFlagsRequest { Name = "support", Folder = "INBOX", Uid = 1, Add = { "\\Seen" } }, asReader)), "send_as"),
            (await Fails(() => app.Mailboxes.MoveMessageAsync(new MoveMessageRequest { Name = "support", Folder = "INBOX", Uid = 1, Destination = "x" }, asReader)), "send_as"),
            (await Fails(() => app.Sharing.SetMemberAsync(new SetMemberRequest { Mailbox = "support", User = "eve@team.test", Access = AccessLevel.Full }, asSender)), "full"),
            (await Fails(() => app.Sharing.SetSlaPolicyAsync(new SetSlaPolicyRequest { Mailbox = "support", FirstResponseSeconds = 3600 }, asSender)), "full"),
            (await Fails(() => app.Sharing.ListAuditAsync(new ListAuditRequest { Mailbox = "support" }, asSender)), "full"),
            (await Fails(() => app.Mailboxes.DeleteAsync(new DeleteMailboxRequest { Name = "support" }, asSender)), "full"),
            (await Fails(() => app.Mailboxes.UpdateAsync(new UpdateMailboxRequest { Name = "support", DisplayName = "Mine" }, asSender)), "full"),
        };
        var stranger = await Fails(() => app.Mailboxes.GetAsync(new GetMailboxRequest { Name = "support" }, asStranger));
        var strangerList = await app.Mailboxes.ListAsync(new ListMailboxesRequest(), asStranger);
        var readerList = await app.Mailboxes.ListAsync(new ListMailboxesRequest(), asReader);

        Assert.False(readerSees.Configured);
        Assert.Equal(ProtoStatus.Open, readerConversation.Status);
        Assert.Equal(ProtoStatus.Pending, senderUpdates.Status);
        Assert.All(denied, d => Assert.Equal(StatusCode.PermissionDenied, d.Error.StatusCode));
        Assert.All(denied, d => Assert.Contains($"this needs {d.Needs}", d.Error.Detail, StringComparison.Ordinal));
        Assert.Equal(StatusCode.PermissionDenied, stranger.StatusCode);
        Assert.Contains("not a member", stranger.Detail, StringComparison.Ordinal);
        Assert.Empty(strangerList.Mailboxes);
        Assert.Equal(["support"], readerList.Mailboxes.Select(m => m.Name));
        Assert.Equal("Support", (await app.Mailboxes.GetAsync(new GetMailboxRequest { Name = "support" })).DisplayName);
    }

    [Fact]
    public async Task UserHeader_FromKeyWithoutDelegateScope_IsPermissionDenied()
    {
        var (_, admin) = await host.NewTenantAsync("nodelegate");
        using var client = host.Client(await host.NewKeyAsync(admin, ApiScopes.MailboxesRead, ApiScopes.MailboxesWrite));
        await client.Mailboxes.CreateAsync(new CreateMailboxRequest { Name = "box", DisplayName = "Box" });

        var e = await Fails(() => client.Mailboxes.GetAsync(new GetMailboxRequest { Name = "box" }, SharingClient.ForUser("ann@team.test")));

        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
        Assert.Contains("mailboxes:delegate", e.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Conversation_AssignStatusAndNotes_AreStoredListedAndAudited()
    {
        var (app, _) = await SharedMailboxAsync("conversations");
        var asAnn = SharingClient.ForUser("ann@team.test");

        var assigned = await app.Sharing.UpdateConversationAsync(new UpdateConversationRequest
        {
            Mailbox = "support", ConversationId = "thread-1@x.test", Assignee = "bob@team.test", Status = ProtoStatus.Pending, UpdateMask = { "assignee", "status" },
        }, asAnn);
        var note = await app.Sharing.AddNoteAsync(new AddNoteRequest { Mailbox = "support", ConversationId = "thread-1@x.test", Text = "Customer called, waiting for logs." }, asAnn);
        var toReader = await Fails(() => app.Sharing.UpdateConversationAsync(new UpdateConversationRequest
        {
            Mailbox = "support", ConversationId = "thread-1@x.test", Assignee = "cat@team.test", UpdateMask = { "assignee" },
        }, asAnn));
        var blank = await Fails(() => app.Sharing.AddNoteAsync(new AddNoteRequest { Mailbox = "support", ConversationId = "thread-1@x.test", Text = "  " }, asAnn));
        var bobs = await app.Sharing.ListConversationsAsync(new ListConversationsRequest { Mailbox = "support", Assignee = "bob@team.test" }, asAnn);
        var closed = await app.Sharing.ListConversationsAsync(new ListConversationsRequest { Mailbox = "support", Status = ProtoStatus.Closed }, asAnn);
        await app.Sharing.RemoveMemberAsync(new RemoveMemberRequest { Mailbox = "support", User = "bob@team.test" }, asAnn);
        var afterRemoval = await app.Sharing.GetConversationAsync(new GetConversationRequest { Mailbox = "support", ConversationId = "thread-1@x.test" }, asAnn);
        var audit = await app.Sharing.ListAuditAsync(new ListAuditRequest { Mailbox = "support", Actor = "ann@team.test", Action = "conversation" }, asAnn);

        Assert.Equal("bob@team.test", assigned.Assignee);
        Assert.Equal(ProtoStatus.Pending, assigned.Status);
        Assert.Equal(1, note.Id);
        Assert.Equal("ann@team.test", note.Author);
        Assert.Equal(StatusCode.InvalidArgument, toReader.StatusCode);
        Assert.StartsWith("invalid assignee:", toReader.Detail, StringComparison.Ordinal);
        Assert.StartsWith("invalid text:", blank.Detail, StringComparison.Ordinal);
        Assert.Equal("thread-1@x.test", Assert.Single(bobs.Conversations).Id);
        Assert.Empty(closed.Conversations);
        Assert.Equal("", afterRemoval.Assignee);
        Assert.Equal("Customer called, waiting for logs.", Assert.Single(afterRemoval.Notes).Text);
        Assert.Equal(["conversation.status_changed", "conversation.assigned", "conversation.note_added"], audit.Entries.Select(e => e.Action));
        Assert.All(audit.Entries, e => Assert.Equal("thread-1@x.test", e.Target));
    }

    [Fact]
    public async Task Audit_ListPagesAndFilters_OldestFirstWithActorsAndDetails()
    {
        var (app, service) = await SharedMailboxAsync("auditlist");
        var asAnn = SharingClient.ForUser("ann@team.test");
        await app.Sharing.SetMemberAsync(new SetMemberRequest { Mailbox = "support", User = "cat@team.test", Access = AccessLevel.SendAs }, asAnn);

        var all = await app.Sharing.ListAuditAsync(new ListAuditRequest { Mailbox = "support" });
        var page1 = await app.Sharing.ListAuditAsync(new ListAuditRequest { Mailbox = "support", PageSize = 2 });
        var page2 = await app.Sharing.ListAuditAsync(new ListAuditRequest { Mailbox = "support", PageSize = 100, PageToken = page1.NextPageToken });
        var members = await app.Sharing.ListAuditAsync(new ListAuditRequest { Mailbox = "support", Action = "members" });
        var byAnn = await app.Sharing.ListAuditAsync(new ListAuditRequest { Mailbox = "support", Actor = "ann@team.test" });
        var badRange = await Fails(() => app.Sharing.ListAuditAsync(new ListAuditRequest
        {
            Mailbox = "support", Since = MailboxMessagesApiTests.Ts("2026-11-20T00:00:00Z"), Before = MailboxMessagesApiTests.Ts("2026-11-01T00:00:00Z"),
        }));

        Assert.Equal(["mailbox.created", "members.added", "members.added", "members.added", "members.changed"], all.Entries.Select(e => e.Action));
        Assert.Equal(all.Entries.Select(e => e.Sequence), page1.Entries.Concat(page2.Entries).Select(e => e.Sequence));
        Assert.Equal("", page2.NextPageToken);
        Assert.Equal(4, members.Entries.Count);
        var changed = Assert.Single(byAnn.Entries);
        Assert.Equal("cat@team.test", changed.Target);
        Assert.Equal("send_as", changed.Details["access"]);
        Assert.Equal("read_only", changed.Details["previous"]);
        Assert.All(all.Entries.Take(4), e => Assert.Equal(service, e.Actor));
        Assert.Equal(StatusCode.InvalidArgument, badRange.StatusCode);
        Assert.StartsWith("invalid before:", badRange.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Audit_EntryEditedInTheDatabase_IsReportedByVerify()
    {
        var (app, _) = await SharedMailboxAsync("tamper");
        var before = await app.Sharing.VerifyAuditAsync(new VerifyAuditRequest { Mailbox = "support" });
        var entries = (await app.Sharing.ListAuditAsync(new ListAuditRequest { Mailbox = "support" })).Entries;
        var victim = entries.Single(e => e.Target == "cat@team.test");

        // There is no API to change an entry; someone with database access rewrites one directly.
        await using (var db = new SqliteConnection($"Data Source={Path.Combine(host.Directory, "mailmesh.db")};Pooling=false"))
        {
            await db.OpenAsync();
            await using var update = db.CreateCommand();
            update.CommandText = "UPDATE event_log SET payload = replace(payload, 'read_only', 'full') WHERE sequence = $s";
            update.Parameters.AddWithValue("$s", victim.Sequence);
            Assert.Equal(1, await update.ExecuteNonQueryAsync());
        }

        var after = await app.Sharing.VerifyAuditAsync(new VerifyAuditRequest { Mailbox = "support" });

        Assert.True(before.Valid, before.Problem);
        Assert.Equal(entries.Count, before.Entries);
        Assert.False(after.Valid);
        Assert.Equal(victim.Sequence, after.FirstInvalidSequence);
        Assert.Contains("content was changed", after.Problem, StringComparison.Ordinal);
        var methods = SharingReflection.Descriptor.Services.Single().Methods.Select(m => m.Name).Where(n => n.Contains("Audit", StringComparison.Ordinal));
        Assert.Equal(["ListAudit", "VerifyAudit"], methods);
    }

    [Fact]
    public async Task RecordAudit_FromAnotherGrain_AppearsInTheTrailAndBadActionsAreRefused()
    {
        var (app, _) = await SharedMailboxAsync("rulesaudit");
        var tenant = (await app.Mailboxes.GetAsync(new GetMailboxRequest { Name = "support" })).Tenant;
        var sharing = host.Services.GetRequiredService<IGrainFactory>().GetGrain<IMailboxSharingGrain>($"{tenant}/support");

        await sharing.RecordAudit(new AuditAction("ann@team.test", "rules.script_saved", "version 2", new Dictionary<string, string> { ["lines"] = "12" }));
        var bad = await Assert.ThrowsAsync<ArgumentException>(() => sharing.RecordAudit(new AuditAction("ann@team.test", "Rules Saved!", "")));
        var entries = (await app.Sharing.ListAuditAsync(new ListAuditRequest { Mailbox = "support", Action = "rules" })).Entries;
        var verified = await app.Sharing.VerifyAuditAsync(new VerifyAuditRequest { Mailbox = "support" });

        var entry = Assert.Single(entries);
        Assert.Equal("version 2", entry.Target);
        Assert.Equal("12", entry.Details["lines"]);
        Assert.Contains("Rules Saved!", bad.Message, StringComparison.Ordinal);
        Assert.True(verified.Valid, verified.Problem);
    }

    /// <summary>A tenant with a mailbox "support" whose members are ann (full), bob (send_as) and cat (read_only);
    /// returns a client whose key may act for users, and that key's actor name.</summary>
    private async Task<(MailMeshClient App, string ServiceActor)> SharedMailboxAsync(string prefix)
    {
        var (_, admin) = await host.NewTenantAsync(prefix);
        var key = await host.NewKeyAsync(admin, ApiScopes.MailboxesRead, ApiScopes.MailboxesWrite, ApiScopes.MailboxesDelegate);
        var app = host.Client(key);
        await app.Mailboxes.CreateAsync(new CreateMailboxRequest { Name = "support", DisplayName = "Support" });
        await app.Sharing.SetMemberAsync(new SetMemberRequest { Mailbox = "support", User = "ann@team.test", Access = AccessLevel.Full });
        await app.Sharing.SetMemberAsync(new SetMemberRequest { Mailbox = "support", User = "bob@team.test", Access = AccessLevel.SendAs });
        await app.Sharing.SetMemberAsync(new SetMemberRequest { Mailbox = "support", User = "cat@team.test", Access = AccessLevel.ReadOnly });
        var keyId = key.Split('_')[2];
        return (app, "key:" + keyId);
    }

    private static Task<MailMeshRpcException> Fails<T>(Func<Task<T>> call) => Assert.ThrowsAsync<MailMeshRpcException>(call);
}
