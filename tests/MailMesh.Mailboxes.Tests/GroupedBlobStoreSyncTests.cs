using System.Text.Json;
using MailMesh.Mailboxes.Tests.Support;
using MailMesh.Mime;
using MailMesh.Testing;

namespace MailMesh.Mailboxes.Tests;

/// <summary>The fetch stores bodies of up to 64 KB in groups (one blob-store write per group, headers parsed off the
/// reading thread) and larger ones streamed one by one. These tests compare what the grouped path indexes and stores
/// with the general path: the streamed messages of the same sync, and a full parse of each whole message.</summary>
[Collection(DovecotCollection.Name)]
public sealed class GroupedBlobStoreSyncTests
{
    [ServerFact(Server.Dovecot)]
    public async Task InitialSync_SmallLargeAndStreamedMessagesMixed_RowsAndBlobsMatchAFullParseInUidOrder()
    {
        await using var account = await DovecotAccount.OpenAsync();
        var folder = await account.CreateNewFolderAsync();
        // 150 messages: mostly small (groups close at 64 messages), every 7th ~60 KB (groups close at 512 KB), every
        // 50th ~100 KB (streamed: the group gathered before it is stored first).
        var sent = new List<(string Id, byte[] Raw)>();
        for (var i = 1; i <= 150; i++)
        {
            var size = i % 50 == 0 ? 100_000 : i % 7 == 0 ? 60_000 : 200 + (i * 17);
            var id = $"grouped.{i}@sync.test";
            var raw = DovecotAccount.Message(id, $"grouped message {i}", size);
            await account.Client.AppendAsync(folder, raw);
            sent.Add((id, raw));
        }

        await using var silo = await SyncSilo.StartAsync(batchSize: 40);
        await silo.CreateMailboxAsync("acme/grouped", account.Source(folder));
        var status = await silo.Observer.WaitForRunsAsync("acme/grouped", 1);

        Assert.Equal(150, status.MessageCount);
        var rows = (await silo.Index.ListAsync("acme/grouped")).OrderBy(r => r.Uid).ToList();
        Assert.Equal(sent.Select(s => s.Id), rows.Select(r => r.MessageId));
        for (var i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            using var whole = MimeMessage.Parse(sent[i].Raw);
            Assert.Equal(whole.Subject, row.Subject);
            Assert.Equal(string.Join(' ', whole.From.Mailboxes.Select(m => m.Address)), row.From);
            Assert.Equal(string.Join(' ', whole.To.Mailboxes.Select(m => m.Address)), row.To);
            Assert.Equal(string.Join(' ', whole.References), row.References);
            Assert.Equal(whole.Date, row.Date);
            Assert.Equal(sent[i].Raw.Length, row.Size);
            await using var blob = await silo.Blobs.OpenReadAsync(row.BlobName);
            Assert.NotNull(blob);
            using var copy = new MemoryStream();
            await blob.Content.CopyToAsync(copy);
            Assert.Equal(sent[i].Raw, copy.ToArray());
        }

        var received = await silo.EventsOfAsync("acme/grouped", "message.received");
        Assert.Equal(sent.Select(s => s.Id), received.Select(e => JsonDocument.Parse(e.PayloadJson).RootElement.GetProperty("messageId").GetString()));
    }
}
