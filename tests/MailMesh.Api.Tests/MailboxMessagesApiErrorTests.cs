using MailMesh.Api.Tests.Infrastructure;
using MailMesh.Api.V1;
using MailMesh.Client;
using MailMesh.Testing;

namespace MailMesh.Api.Tests;

/// <summary>Bad input to the mailbox message API: each gets the status and a message naming what was wrong.</summary>
[Collection(MailboxApiCollection.Name)]
public sealed class MailboxMessagesApiErrorTests(MailboxApiHost host)
{
    [ServerFact(Server.Dovecot)]
    public async Task MessageCalls_UnknownFolderOrUid_AreNotFound()
    {
        await using var dovecot = await DovecotUser.OpenAsync();
        var folder = DovecotUser.NewFolderName();
        await dovecot.Client.CreateMailboxAsync(folder);
        await dovecot.Client.AppendAsync(folder, DovecotUser.Message("one", "x@y.test", "Mon, 02 Nov 2026 09:00:00 +0000", "a"));
        var (_, admin) = await host.NewTenantAsync("notfound");
        using var client = host.Client(admin);
        await MailboxMessagesApiTests.CreateAndSyncAsync(client, "box", dovecot.Source("box", folder));

        var noFolder = await Fails(() => client.Mailboxes.ListMessagesAsync(new ListMessagesRequest { Name = "box", Folder = "Nope" }));
        var noUid = await Fails(() => client.Mailboxes.GetMessageAsync(new GetMessageRequest { Name = "box", Folder = folder, Uid = 999 }));
        var noUidFlags = await Fails(() => client.Mailboxes.SetFlagsAsync(new SetFlagsRequest { Name = "box", Folder = folder, Uid = 999, Add = { "\\Seen" } }));
        var noUidMove = await Fails(() => client.Mailboxes.MoveMessageAsync(new MoveMessageRequest { Name = "box", Folder = folder, Uid = 999, Destination = "INBOX" }));
        var uid = (await client.Mailboxes.ListMessagesAsync(new ListMessagesRequest { Name = "box" })).Messages.Single().Uid;
        var noDestination = await Fails(() => client.Mailboxes.MoveMessageAsync(new MoveMessageRequest { Name = "box", Folder = folder, Uid = uid, Destination = folder + "-missing" }));
        var noRaw = await Fails(async () =>
        {
            await foreach (var chunk in client.Mailboxes.FetchRawMessageAsync(new FetchRawMessageRequest { Name = "box", Folder = folder, Uid = 999 }))
            {
                Assert.Fail($"no chunk expected, got {chunk.Data.Length} bytes");
            }

            return 0;
        });
        var noMailbox = await Fails(() => client.Mailboxes.GetSyncStatusAsync(new GetSyncStatusRequest { Name = "ghost" }));

        Assert.All([noFolder, noUid, noUidFlags, noUidMove, noDestination, noRaw, noMailbox], e => Assert.Equal(StatusCode.NotFound, e.StatusCode));
        Assert.Contains("Folder 'Nope'", noFolder.Detail, StringComparison.Ordinal);
        Assert.Contains("Message 999", noUid.Detail, StringComparison.Ordinal);
        Assert.Contains("-missing", noDestination.Detail, StringComparison.Ordinal);
        Assert.Contains("ghost", noMailbox.Detail, StringComparison.Ordinal);
    }

    [ServerFact(Server.Dovecot)]
    public async Task ListMessages_BadArguments_AreInvalidArgumentNamingTheField()
    {
        var (_, admin) = await host.NewTenantAsync("badargs");
        using var client = host.Client(admin);
        await client.Mailboxes.CreateAsync(new CreateMailboxRequest { Name = "box", DisplayName = "Box" });
        await using var dovecot = await DovecotUser.OpenAsync();
        var folder = DovecotUser.NewFolderName();
        await dovecot.Client.CreateMailboxAsync(folder);
        await client.Mailboxes.SetSourceAsync(dovecot.Source("box", folder));

        var range = await Fails(() => client.Mailboxes.ListMessagesAsync(new ListMessagesRequest
        {
            Name = "box", Since = MailboxMessagesApiTests.Ts("2026-11-20T00:00:00Z"), Before = MailboxMessagesApiTests.Ts("2026-11-01T00:00:00Z"),
        }));
        var size = await Fails(() => client.Mailboxes.ListMessagesAsync(new ListMessagesRequest { Name = "box", PageSize = 1000 }));
        var token = await Fails(() => client.Mailboxes.ListMessagesAsync(new ListMessagesRequest { Name = "box", PageToken = "not-a-token" }));
        var flag = await Fails(() => client.Mailboxes.ListMessagesAsync(new ListMessagesRequest { Name = "box", WithFlags = { "bad flag" } }));
        var text = await Fails(() => client.Mailboxes.ListMessagesAsync(new ListMessagesRequest { Name = "box", Subject = new string('x', 501) }));
        var uid = await Fails(() => client.Mailboxes.GetMessageAsync(new GetMessageRequest { Name = "box", Folder = folder, Uid = 0 }));
        var port = await Fails(() => client.Mailboxes.SetSourceAsync(new SetSourceRequest
        {
            Name = "box", Protocol = SourceProtocol.Imap, Host = "127.0.0.1", Port = 70000, UserName = "u", Password = "p",
        }));
        var noSecret = await Fails(() => client.Mailboxes.SetSourceAsync(new SetSourceRequest
        {
            Name = "box", Protocol = SourceProtocol.Imap, Host = "other.test", UserName = "u",
        }));

        Assert.All([range, size, token, flag, text, uid, port, noSecret], e => Assert.Equal(StatusCode.InvalidArgument, e.StatusCode));
        Assert.StartsWith("invalid before:", range.Detail, StringComparison.Ordinal);
        Assert.StartsWith("invalid page_size:", size.Detail, StringComparison.Ordinal);
        Assert.StartsWith("invalid page_token:", token.Detail, StringComparison.Ordinal);
        Assert.StartsWith("invalid with_flags:", flag.Detail, StringComparison.Ordinal);
        Assert.StartsWith("invalid subject:", text.Detail, StringComparison.Ordinal);
        Assert.StartsWith("invalid uid:", uid.Detail, StringComparison.Ordinal);
        Assert.StartsWith("invalid port:", port.Detail, StringComparison.Ordinal);
        Assert.StartsWith("invalid password:", noSecret.Detail, StringComparison.Ordinal);
    }

    [ServerFact(Server.Dovecot)]
    public async Task MailboxCalls_WrongScopeOrOtherTenant_AreDeniedOrNotFound()
    {
        var (_, adminA) = await host.NewTenantAsync("tenant-a");
        var (_, adminB) = await host.NewTenantAsync("tenant-b");
        using var a = host.Client(adminA);
        await a.Mailboxes.CreateAsync(new CreateMailboxRequest { Name = "private", DisplayName = "Private" });
        using var reader = host.Client(await host.NewKeyAsync(adminA, ApiScopes.MailboxesRead));
        using var b = host.Client(adminB);

        var readOk = await reader.Mailboxes.GetSyncStatusAsync(new GetSyncStatusRequest { Name = "private" });
        var denied = new[]
        {
            await Fails(() => reader.Mailboxes.SyncAsync(new SyncRequest { Name = "private" })),
            await Fails(() => reader.Mailboxes.SetFlagsAsync(new SetFlagsRequest { Name = "private", Folder = "INBOX", Uid = 1, Add = { "\\Seen" } })),
            await Fails(() => reader.Mailboxes.MoveMessageAsync(new MoveMessageRequest { Name = "private", Folder = "INBOX", Uid = 1, Destination = "x" })),
            await Fails(() => reader.Mailboxes.DeleteAsync(new DeleteMailboxRequest { Name = "private" })),
            await Fails(() => reader.Mailboxes.SetSourceAsync(new SetSourceRequest { Name = "private" })),
        };
        var otherTenant = new[]
        {
            await Fails(() => b.Mailboxes.ListMessagesAsync(new ListMessagesRequest { Name = "private" })),
            await Fails(() => b.Mailboxes.GetSyncStatusAsync(new GetSyncStatusRequest { Name = "private" })),
            await Fails(() => b.Mailboxes.DeleteAsync(new DeleteMailboxRequest { Name = "private" })),
        };

        Assert.False(readOk.Configured);
        Assert.All(denied, e => Assert.Equal(StatusCode.PermissionDenied, e.StatusCode));
        Assert.All(denied, e => Assert.Contains("mailboxes:write", e.Detail, StringComparison.Ordinal));
        Assert.All(otherTenant, e => Assert.Equal(StatusCode.NotFound, e.StatusCode));
        Assert.NotNull(await a.Mailboxes.GetAsync(new GetMailboxRequest { Name = "private" }));
    }

    private static Task<MailMeshRpcException> Fails<T>(Func<Task<T>> call) => Assert.ThrowsAsync<MailMeshRpcException>(call);
}
