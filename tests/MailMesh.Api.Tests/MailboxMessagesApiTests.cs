using System.Text;
using Google.Protobuf.WellKnownTypes;
using MailMesh.Api.Tests.Infrastructure;
using MailMesh.Api.V1;
using MailMesh.Blobs;
using MailMesh.Client;
using MailMesh.Protocols.Imap;
using MailMesh.Runtime.Storage;
using MailMesh.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace MailMesh.Api.Tests;

/// <summary>The mailbox source, sync and message API end to end: .NET client → gRPC → grains → real Dovecot.</summary>
[Collection(MailboxApiCollection.Name)]
public sealed class MailboxMessagesApiTests(MailboxApiHost host)
{
    [ServerFact(Server.Dovecot)]
    public async Task ListMessages_FiltersAndPages_ReturnMatchingMessagesNewestFirst()
    {
        await using var dovecot = await DovecotUser.OpenAsync();
        var folder = DovecotUser.NewFolderName();
        await dovecot.Client.CreateMailboxAsync(folder);
        await dovecot.Client.AppendAsync(folder, DovecotUser.Message("Invoice 1", "billing@shop.test", "Mon, 02 Nov 2026 09:00:00 +0000", "one"));
        await dovecot.Client.AppendAsync(folder, DovecotUser.Message("Hello there", "Friend <friend@home.test>", "Tue, 10 Nov 2026 09:00:00 +0100", "two"));
        await dovecot.Client.AppendAsync(folder, DovecotUser.Message("invoice 2", "billing@shop.test", "Fri, 20 Nov 2026 09:00:00 -0500", "three"));
        using var client = await NewMailboxAsync("support", dovecot.Source("support", folder));

        var all = await client.Mailboxes.ListMessagesAsync(new ListMessagesRequest { Name = "support" });
        var invoices = await client.Mailboxes.ListMessagesAsync(new ListMessagesRequest { Name = "support", Subject = "INVOICE" });
        var fromFriend = await client.Mailboxes.ListMessagesAsync(new ListMessagesRequest { Name = "support", From = "friend@", Folder = folder });
        var november10To20 = await client.Mailboxes.ListMessagesAsync(new ListMessagesRequest
        {
            Name = "support", Since = Ts("2026-11-10T00:00:00Z"), Before = Ts("2026-11-20T00:00:00Z"),
        });
        var page1 = await client.Mailboxes.ListMessagesAsync(new ListMessagesRequest { Name = "support", PageSize = 2 });
        var page2 = await client.Mailboxes.ListMessagesAsync(new ListMessagesRequest { Name = "support", PageSize = 2, PageToken = page1.NextPageToken });

        Assert.Equal(["invoice 2", "Hello there", "Invoice 1"], all.Messages.Select(m => m.Subject));
        Assert.Equal("", all.NextPageToken);
        Assert.Equal(["invoice 2", "Invoice 1"], invoices.Messages.Select(m => m.Subject));
        Assert.Equal("Hello there", Assert.Single(fromFriend.Messages).Subject);
        Assert.Equal("Hello there", Assert.Single(november10To20.Messages).Subject);
        Assert.Equal(2, page1.Messages.Count);
        Assert.NotEqual("", page1.NextPageToken);
        Assert.Equal(all.Messages.Select(m => m.Uid), page1.Messages.Concat(page2.Messages).Select(m => m.Uid));
        Assert.Equal("", page2.NextPageToken);
    }

    [ServerFact(Server.Dovecot)]
    public async Task SetFlags_ThroughApi_ChangesServerIndexAndFlagSearch()
    {
        await using var dovecot = await DovecotUser.OpenAsync();
        var folder = DovecotUser.NewFolderName();
        await dovecot.Client.CreateMailboxAsync(folder);
        await dovecot.Client.AppendAsync(folder, DovecotUser.Message("a", "x@y.test", "Mon, 02 Nov 2026 09:00:00 +0000", "a"));
        await dovecot.Client.AppendAsync(folder, DovecotUser.Message("b", "x@y.test", "Tue, 03 Nov 2026 09:00:00 +0000", "b"));
        using var client = await NewMailboxAsync("flags", dovecot.Source("flags", folder));
        var first = (await client.Mailboxes.ListMessagesAsync(new ListMessagesRequest { Name = "flags", Subject = "a" })).Messages.Single();

        var set = await client.Mailboxes.SetFlagsAsync(new SetFlagsRequest { Name = "flags", Folder = folder, Uid = first.Uid, Add = { "\\Flagged", "\\Seen" } });
        var flagged = await client.Mailboxes.ListMessagesAsync(new ListMessagesRequest { Name = "flags", WithFlags = { "\\flagged" } });
        var unread = await client.Mailboxes.ListMessagesAsync(new ListMessagesRequest { Name = "flags", WithoutFlags = { "\\Seen" } });

        Assert.Equal(["\\Flagged", "\\Seen"], set.Flags);
        Assert.Equal(first.Uid, Assert.Single(flagged.Messages).Uid);
        Assert.Equal("b", Assert.Single(unread.Messages).Subject);
        await dovecot.Client.ExamineAsync(folder);
        var onServer = (await dovecot.Client.UidFetchAsync(ImapUidSet.Single(first.Uid), new ImapFetchRequest(ImapFetchItems.Flags))).Messages.Single();
        Assert.True(onServer.HasFlag("\\Flagged"), "the server has the flag set through the API");
    }

    [ServerFact(Server.Dovecot)]
    public async Task GetMessage_Parse_ReturnsHeadersPartsAndPreview()
    {
        await using var dovecot = await DovecotUser.OpenAsync();
        var folder = DovecotUser.NewFolderName();
        await dovecot.Client.CreateMailboxAsync(folder);
        var mime = Encoding.ASCII.GetBytes(
            "From: Ann <ann@a.test>\r\nTo: bob@example.test\r\nSubject: =?utf-8?q?R=C3=A9sum=C3=A9?=\r\nDate: Sun, 22 Nov 2026 10:00:00 +0000\r\n" +
            "Message-ID: <parsed@api.test>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n" +
            "--b1\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nHello   Bob,\r\n\r\nplease   find it attached.\r\n" +
            "--b1\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"cv.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n" +
            "--b1--\r\n");
        await dovecot.Client.AppendAsync(folder, mime);
        using var client = await NewMailboxAsync("parsed", dovecot.Source("parsed", folder));
        var uid = (await client.Mailboxes.ListMessagesAsync(new ListMessagesRequest { Name = "parsed" })).Messages.Single().Uid;

        var details = await client.Mailboxes.GetMessageAsync(new GetMessageRequest { Name = "parsed", Folder = folder, Uid = uid, Parse = true, PreviewLength = 20 });

        Assert.Equal("Résumé", details.Message.Subject);
        Assert.Equal("parsed@api.test", details.Message.ConversationId);
        Assert.Contains(details.Headers, h => h.Name == "Subject" && h.Value == "Résumé");
        Assert.Equal("multipart/mixed", details.Root.ContentType);
        Assert.Equal(["text/plain", "application/pdf"], details.Root.Parts.Select(p => p.ContentType));
        Assert.Equal(["1", "2"], details.Root.Parts.Select(p => p.Path));
        Assert.Equal("cv.pdf", details.Root.Parts[1].FileName);
        Assert.Equal("attachment", details.Root.Parts[1].Disposition);
        Assert.Equal("Hello Bob, please fi", details.TextPreview);
    }

    [ServerFact(Server.Dovecot)]
    public async Task FetchRawMessage_LargeMessage_ArrivesInChunksByteForByte()
    {
        await using var dovecot = await DovecotUser.OpenAsync();
        var folder = DovecotUser.NewFolderName();
        await dovecot.Client.CreateMailboxAsync(folder);
        var body = new StringBuilder();
        var random = new Random(5);
        while (body.Length < 3 * 1024 * 1024)
        {
            body.Append(Convert.ToBase64String(BitConverter.GetBytes(random.NextInt64()))).Append("\r\n");
        }

        var original = DovecotUser.Message("big", "x@y.test", "Mon, 02 Nov 2026 09:00:00 +0000", body.ToString());
        await dovecot.Client.AppendAsync(folder, original);
        using var client = await NewMailboxAsync("big", dovecot.Source("big", folder));
        var uid = (await client.Mailboxes.ListMessagesAsync(new ListMessagesRequest { Name = "big" })).Messages.Single().Uid;

        var chunks = new List<RawMessageChunk>();
        await foreach (var chunk in client.Mailboxes.FetchRawMessageAsync(new FetchRawMessageRequest { Name = "big", Folder = folder, Uid = uid }))
        {
            chunks.Add(chunk);
        }

        var resumed = new MemoryStream();
        await client.Mailboxes.DownloadRawMessageAsync(new FetchRawMessageRequest { Name = "big", Folder = folder, Uid = uid, Offset = 1000 }, resumed);

        Assert.True(chunks.Count >= 3, $"a {original.Length}-byte message comes in several chunks, not {chunks.Count}");
        Assert.All(chunks, c => Assert.True(c.Data.Length <= 1024 * 1024, "no chunk is larger than 1 MiB"));
        Assert.Equal(original, chunks.SelectMany(c => c.Data.ToByteArray()).ToArray());
        Assert.All(chunks, c => Assert.Equal(original.Length, c.TotalSize));
        Assert.Equal(original.AsSpan(1000).ToArray(), resumed.ToArray());
    }

    [ServerFact(Server.Dovecot)]
    public async Task MoveMessage_BetweenSyncedFolders_MovesOnServerAndInIndexWithoutDuplicates()
    {
        await using var dovecot = await DovecotUser.OpenAsync();
        var folder = DovecotUser.NewFolderName();
        var archive = folder + "-archive";
        await dovecot.Client.CreateMailboxAsync(folder);
        await dovecot.Client.CreateMailboxAsync(archive);
        await dovecot.Client.AppendAsync(folder, DovecotUser.Message("keep", "x@y.test", "Mon, 02 Nov 2026 09:00:00 +0000", "a"));
        await dovecot.Client.AppendAsync(folder, DovecotUser.Message("archive me", "x@y.test", "Tue, 03 Nov 2026 09:00:00 +0000", "b", "moved@api.test"));
        using var client = await NewMailboxAsync("moves", dovecot.Source("moves", folder, archive));
        var message = (await client.Mailboxes.ListMessagesAsync(new ListMessagesRequest { Name = "moves", Subject = "archive me" })).Messages.Single();

        var moved = await client.Mailboxes.MoveMessageAsync(new MoveMessageRequest { Name = "moves", Folder = folder, Uid = message.Uid, Destination = archive });
        var inArchive = await client.Mailboxes.ListMessagesAsync(new ListMessagesRequest { Name = "moves", Folder = archive });
        var inFolder = await client.Mailboxes.ListMessagesAsync(new ListMessagesRequest { Name = "moves", Folder = folder });
        var status = await Wait.For(client.Mailboxes.SyncAndWaitAsync("moves"), "the sync after the move");
        var afterSync = await client.Mailboxes.ListMessagesAsync(new ListMessagesRequest { Name = "moves" });
        var raw = new MemoryStream();
        await client.Mailboxes.DownloadRawMessageAsync(new FetchRawMessageRequest { Name = "moves", Folder = archive, Uid = moved.Uid }, raw);

        Assert.True(moved.Indexed, "Dovecot reports COPYUID, so the destination row is written at once");
        Assert.NotEqual(0u, moved.Uid);
        Assert.Equal("moved@api.test", Assert.Single(inArchive.Messages).MessageId);
        Assert.Equal("keep", Assert.Single(inFolder.Messages).Subject);
        Assert.Equal(SyncErrorKind.None, status.LastErrorKind);
        Assert.Equal(2, afterSync.Messages.Count);
        Assert.Contains("archive me", Encoding.UTF8.GetString(raw.ToArray()), StringComparison.Ordinal);
        await dovecot.Client.ExamineAsync(archive);
        Assert.Single(await dovecot.Client.UidSearchAsync("ALL"));
    }

    [ServerFact(Server.Dovecot)]
    public async Task SetSource_SameAccountWithoutPassword_KeepsSecretAndSyncs()
    {
        await using var dovecot = await DovecotUser.OpenAsync();
        var folder = DovecotUser.NewFolderName();
        await dovecot.Client.CreateMailboxAsync(folder);
        await dovecot.Client.AppendAsync(folder, DovecotUser.Message("one", "x@y.test", "Mon, 02 Nov 2026 09:00:00 +0000", "a"));
        using var client = await NewMailboxAsync("resource", dovecot.Source("resource", folder));
        var change = dovecot.Source("resource", folder);
        change.Password = "";
        change.PollIntervalSeconds = 120;
        await dovecot.Client.AppendAsync(folder, DovecotUser.Message("two", "x@y.test", "Tue, 03 Nov 2026 09:00:00 +0000", "b"));

        var updated = await client.Mailboxes.SetSourceAsync(change);
        var status = await Wait.For(client.Mailboxes.SyncAndWaitAsync("resource"), "the sync with the kept password");
        var got = await client.Mailboxes.GetSourceAsync(new GetSourceRequest { Name = "resource" });
        var folders = await client.Mailboxes.ListFoldersAsync(new ListFoldersRequest { Name = "resource" });

        Assert.Equal(120, updated.PollIntervalSeconds);
        Assert.Equal(SyncErrorKind.None, status.LastErrorKind);
        Assert.Equal(2, status.MessageCount);
        Assert.Equal(dovecot.User.Address, got.UserName);
        Assert.Equal([folder], got.Folders);
        Assert.Equal(folder, Assert.Single(folders.Folders).Name);
    }

    [ServerFact(Server.Dovecot)]
    public async Task Delete_MailboxWithMessages_RemovesIndexBlobsAndListingAndEmitsEvent()
    {
        await using var dovecot = await DovecotUser.OpenAsync();
        var folder = DovecotUser.NewFolderName();
        await dovecot.Client.CreateMailboxAsync(folder);
        await dovecot.Client.AppendAsync(folder, DovecotUser.Message("one", "x@y.test", "Mon, 02 Nov 2026 09:00:00 +0000", "a"));
        var (tenant, admin) = await host.NewTenantAsync("delete");
        using var client = host.Client(admin);
        await CreateAndSyncAsync(client, "doomed", dovecot.Source("doomed", folder));
        var blobs = host.Services.GetRequiredService<IBlobStore>();
        var before = await blobs.ListAsync($"mail/{tenant}/doomed/").CountAsync();

        await client.Mailboxes.DeleteAsync(new DeleteMailboxRequest { Name = "doomed" });

        var get = await Assert.ThrowsAsync<MailMeshRpcException>(() => client.Mailboxes.GetAsync(new GetMailboxRequest { Name = "doomed" }));
        var list = await client.Mailboxes.ListAsync(new ListMailboxesRequest());
        var events = await host.Services.GetRequiredService<IEventLog>().ReadAsync(1, 10_000, new EventFilter(tenant, "mailbox.deleted", $"{tenant}/doomed"));
        Assert.Equal(1, before);
        Assert.Equal(StatusCode.NotFound, get.StatusCode);
        Assert.DoesNotContain(list.Mailboxes, m => m.Name == "doomed");
        Assert.Equal(0, await blobs.ListAsync($"mail/{tenant}/doomed/").CountAsync());
        Assert.Single(events);
        await client.Mailboxes.CreateAsync(new CreateMailboxRequest { Name = "doomed", DisplayName = "Again" });
        var recreated = await client.Mailboxes.GetSyncStatusAsync(new GetSyncStatusRequest { Name = "doomed" });
        Assert.False(recreated.Configured);
        Assert.Equal(0, recreated.MessageCount);
    }

    [ServerFact(Server.Dovecot)]
    public async Task Update_DisplayNameOnly_KeepsAddress()
    {
        var (_, admin) = await host.NewTenantAsync("update");
        using var client = host.Client(admin);
        await client.Mailboxes.CreateAsync(new CreateMailboxRequest { Name = "sales", DisplayName = "Sales", Address = "sales@acme.test" });

        var updated = await client.Mailboxes.UpdateAsync(new UpdateMailboxRequest { Name = "sales", DisplayName = "Sales team", UpdateMask = { "display_name" } });

        Assert.Equal("Sales team", updated.DisplayName);
        Assert.Equal("sales@acme.test", updated.Address);
    }

    internal static Timestamp Ts(string iso) => Timestamp.FromDateTimeOffset(DateTimeOffset.Parse(iso, System.Globalization.CultureInfo.InvariantCulture));

    private async Task<MailMeshClient> NewMailboxAsync(string name, SetSourceRequest source)
    {
        var (_, admin) = await host.NewTenantAsync(name);
        var client = host.Client(admin);
        await CreateAndSyncAsync(client, name, source);
        return client;
    }

    internal static async Task CreateAndSyncAsync(MailMeshClient client, string name, SetSourceRequest source)
    {
        await client.Mailboxes.CreateAsync(new CreateMailboxRequest { Name = name, DisplayName = name });
        await client.Mailboxes.SetSourceAsync(source);
        var status = await Wait.For(client.Mailboxes.SyncAndWaitAsync(name), $"the first sync of {name}");
        Assert.True(status.LastErrorKind == SyncErrorKind.None, $"the first sync of {name} failed: {status.LastError}");
    }
}
