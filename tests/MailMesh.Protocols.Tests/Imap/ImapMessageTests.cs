using System.Text;
using MailMesh.Protocols.Imap;
using MailMesh.Protocols.Tests.Support;
using MailMesh.Testing;

namespace MailMesh.Protocols.Tests.Imap;

[Collection(DovecotCollection.Name)]
public sealed class ImapMessageTests
{
    [ServerFact(Server.Dovecot)]
    public async Task AppendThenUidFetch_BodyAndAttributes_AreByteExact()
    {
        var ct = TestTimeout.Token();
        await using var folder = await TestFolder.CreateAsync(Dovecot.Alice, ct);
        await using var client = await Dovecot.ConnectAsync(Dovecot.Alice, cancellationToken: ct);
        var message = Dovecot.Message(7, body: "Line with \"quotes\" and \\ backslash\r\n.\r\n..dots\r\nÜnïcødé {5}\r\n", subject: "Fetch test");
        var date = new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.FromHours(-7));

        var appended = await client.AppendAsync(folder.Name, message, new ImapAppendOptions { Flags = ["\\Flagged", "$Label1"], InternalDate = date }, ct);
        await client.SelectAsync(folder.Name, cancellationToken: ct);
        var result = await client.UidFetchAsync(
            ImapUidSet.All,
            new ImapFetchRequest(ImapFetchItems.Summary | ImapFetchItems.Envelope | ImapFetchItems.ModSeq | ImapFetchItems.Body | ImapFetchItems.Headers),
            ct);

        Assert.NotNull(appended);
        var fetched = Assert.Single(result.Messages);
        Assert.Equal(appended.Uid, fetched.Uid);
        Assert.Equal(client.Selected!.UidValidity, appended.UidValidity);
        Assert.Equal(message, fetched.Body!.Value.ToArray());
        Assert.Equal(message.Length, fetched.Size);
        Assert.Equal(date, fetched.InternalDate);
        Assert.True(fetched.HasFlag("\\Flagged"));
        Assert.True(fetched.HasFlag("$Label1"));
        Assert.True(fetched.ModSeq > 0);
        Assert.Equal("Fetch test", fetched.Envelope?.Subject);
        Assert.Equal("sender@example.test", Assert.Single(fetched.Envelope!.From).Address);
        Assert.Equal("Sender", fetched.Envelope.From[0].Name);
        Assert.StartsWith("<m7.", fetched.Envelope.MessageId, StringComparison.Ordinal);
        var headerEnd = Encoding.ASCII.GetString(message).IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4;
        Assert.Equal(message.AsSpan(0, headerEnd).ToArray(), fetched.Headers!.Value.ToArray());
    }

    [ServerFact(Server.Dovecot)]
    public async Task AppendAsync_FromStream_StoresTheExactBytes()
    {
        var ct = TestTimeout.Token();
        await using var folder = await TestFolder.CreateAsync(Dovecot.Alice, ct);
        await using var client = await Dovecot.ConnectAsync(Dovecot.Alice, cancellationToken: ct);
        var body = new StringBuilder();
        for (var i = 0; i < 20_000; i++)
        {
            body.Append("Line ").Append(i).Append(" of a message large enough to need several reads.\r\n");
        }

        var message = Dovecot.Message(1, body.ToString());
        using var stream = new MemoryStream(message);

        var appended = await client.AppendAsync(folder.Name, stream, cancellationToken: ct);
        await client.SelectAsync(folder.Name, cancellationToken: ct);
        var sink = new CollectingSink();
        await client.UidFetchAsync(ImapUidSet.Single(appended!.Uid), new ImapFetchRequest(ImapFetchItems.Body), sink, ct);

        Assert.True(message.Length > 1_000_000);
        Assert.Equal(message, sink.Bodies[appended.Uid]);
        Assert.Equal(message.Length, Assert.Single(sink.Parts).Length);
    }

    [ServerFact(Server.Dovecot)]
    public async Task UidFetchAsync_1200Messages_ArriveThroughPipelinedBatchesInOrder()
    {
        var ct = new CancellationTokenSource(TimeSpan.FromMinutes(2)).Token;
        await using var folder = await TestFolder.CreateAsync(Dovecot.Alice, ct);
        await using var client = await Dovecot.ConnectAsync(Dovecot.Alice, cancellationToken: ct);
        var messages = Enumerable.Range(1, 1200).Select(i => Dovecot.Message(i)).ToList();
        var appended = await client.AppendManyAsync(folder.Name, messages.Select(m => (ReadOnlyMemory<byte>)m).ToList(), cancellationToken: ct);
        var expected = appended.Select((a, i) => (a.Uid, Message: messages[i])).ToDictionary(p => p.Uid, p => p.Message);
        Assert.Equal(1200, expected.Count);

        await client.SelectAsync(folder.Name, cancellationToken: ct);
        var sink = new CollectingSink();
        var uids = ImapUidSet.FromUids(expected.Keys);

        var result = await client.UidFetchAsync(uids, new ImapFetchRequest(ImapFetchItems.Summary | ImapFetchItems.Body) { BatchSize = 100 }, sink, ct);

        Assert.Equal(1200, result.Count);
        Assert.Equal(expected.Keys.Order(), sink.Messages.Select(m => m.Uid!.Value));
        foreach (var (uid, message) in expected)
        {
            Assert.Equal(message, sink.Bodies[uid]);
        }

        Assert.All(sink.Messages, m => Assert.Equal(expected[m.Uid!.Value].Length, m.Size));
    }

    [ServerFact(Server.Dovecot)]
    public async Task UidSearchAsync_Unseen_ReturnsOnlyUnseenUids()
    {
        var ct = TestTimeout.Token();
        await using var folder = await TestFolder.CreateAsync(Dovecot.Alice, ct);
        await using var client = await Dovecot.ConnectAsync(Dovecot.Alice, cancellationToken: ct);
        var seen = await client.AppendAsync(folder.Name, Dovecot.Message(1), new ImapAppendOptions { Flags = ["\\Seen"] }, ct);
        var unseen = await client.AppendAsync(folder.Name, Dovecot.Message(2), cancellationToken: ct);
        await client.SelectAsync(folder.Name, cancellationToken: ct);

        var unseenUids = await client.UidSearchAsync("UNSEEN", ct);
        var all = await client.UidSearchAsync("ALL", ct);

        Assert.Equal([unseen!.Uid], unseenUids);
        Assert.Equal([seen!.Uid, unseen.Uid], all);
    }

    [ServerFact(Server.Dovecot)]
    public async Task UidStoreAsync_AddAndRemoveFlags_ChangesFlagsAndReportsThemWhenNotSilent()
    {
        var ct = TestTimeout.Token();
        await using var folder = await TestFolder.CreateAsync(Dovecot.Alice, ct);
        await using var client = await Dovecot.ConnectAsync(Dovecot.Alice, cancellationToken: ct);
        var a = await client.AppendAsync(folder.Name, Dovecot.Message(1), cancellationToken: ct);
        var b = await client.AppendAsync(folder.Name, Dovecot.Message(2), new ImapAppendOptions { Flags = ["\\Answered"] }, ct);
        await client.SelectAsync(folder.Name, cancellationToken: ct);

        var loud = await client.UidStoreAsync(ImapUidSet.FromUids([a!.Uid, b!.Uid]), ImapStoreMode.Add, ["\\Seen", "\\Flagged"], silent: false, cancellationToken: ct);
        await client.UidStoreAsync(ImapUidSet.Single(b.Uid), ImapStoreMode.Remove, ["\\Answered"], cancellationToken: ct);
        var after = await client.UidFetchAsync(ImapUidSet.All, new ImapFetchRequest(ImapFetchItems.Flags), ct);

        Assert.Equal(2, loud.Updated.Count);
        Assert.All(loud.Updated, m => Assert.True(m.HasFlag("\\Seen") && m.HasFlag("\\Flagged")));
        Assert.True(loud.Modified.IsEmpty);
        Assert.All(after.Messages, m => Assert.True(m.HasFlag("\\Seen") && m.HasFlag("\\Flagged") && !m.HasFlag("\\Answered")));
    }

    [ServerFact(Server.Dovecot)]
    public async Task UidStoreAsync_UnchangedSinceOlderModSeq_ReportsModifiedAndLeavesMessageAlone()
    {
        var ct = TestTimeout.Token();
        await using var folder = await TestFolder.CreateAsync(Dovecot.Alice, ct);
        await using var client = await Dovecot.ConnectAsync(Dovecot.Alice, cancellationToken: ct);
        var a = await client.AppendAsync(folder.Name, Dovecot.Message(1), cancellationToken: ct);
        await client.SelectAsync(folder.Name, cancellationToken: ct);
        var before = (await client.UidFetchAsync(ImapUidSet.Single(a!.Uid), new ImapFetchRequest(ImapFetchItems.ModSeq), ct)).Messages[0].ModSeq!.Value;
        await client.UidStoreAsync(ImapUidSet.Single(a.Uid), ImapStoreMode.Add, ["\\Seen"], cancellationToken: ct);

        var conditional = await client.UidStoreAsync(ImapUidSet.Single(a.Uid), ImapStoreMode.Add, ["\\Flagged"], unchangedSince: before, cancellationToken: ct);
        var flags = (await client.UidFetchAsync(ImapUidSet.Single(a.Uid), new ImapFetchRequest(ImapFetchItems.Flags), ct)).Messages[0];

        Assert.True(conditional.Modified.Contains(a.Uid));
        Assert.False(flags.HasFlag("\\Flagged"));
    }

    [ServerFact(Server.Dovecot)]
    public async Task UidMoveAsync_Messages_MovesThemAndReportsCopyUid()
    {
        var ct = TestTimeout.Token();
        await using var source = await TestFolder.CreateAsync(Dovecot.Alice, ct);
        await using var target = await TestFolder.CreateAsync(Dovecot.Alice, ct);
        await using var client = await Dovecot.ConnectAsync(Dovecot.Alice, cancellationToken: ct);
        var one = await client.AppendAsync(source.Name, Dovecot.Message(1), cancellationToken: ct);
        var two = await client.AppendAsync(source.Name, Dovecot.Message(2), cancellationToken: ct);
        await client.SelectAsync(source.Name, cancellationToken: ct);
        var expunged = new List<ImapMailboxEventArgs>();
        client.MailboxChanged += (_, e) => expunged.Add(e);

        var moved = await client.UidMoveAsync(ImapUidSet.FromUids([one!.Uid, two!.Uid]), target.Name, ct);

        Assert.NotNull(moved);
        Assert.Equal([one.Uid, two.Uid], moved.SourceUids);
        Assert.Equal(2, moved.DestinationUids.Count);
        Assert.Equal(0u, client.Selected!.Count);
        Assert.Equal(2, expunged.Count);
        var status = await client.StatusAsync(target.Name, ImapStatusItems.Messages | ImapStatusItems.UidValidity, ct);
        Assert.Equal(2u, status.Messages);
        Assert.Equal(status.UidValidity, moved.UidValidity);
        Assert.Equal(moved.DestinationUids.First(), moved.GetUidMap()[one.Uid]);
    }

    [ServerFact(Server.Dovecot)]
    public async Task UidCopyAsync_Message_CopiesItAndReportsCopyUid()
    {
        var ct = TestTimeout.Token();
        await using var source = await TestFolder.CreateAsync(Dovecot.Alice, ct);
        await using var target = await TestFolder.CreateAsync(Dovecot.Alice, ct);
        await using var client = await Dovecot.ConnectAsync(Dovecot.Alice, cancellationToken: ct);
        var message = Dovecot.Message(1);
        var one = await client.AppendAsync(source.Name, message, cancellationToken: ct);
        await client.SelectAsync(source.Name, cancellationToken: ct);

        var copied = await client.UidCopyAsync(ImapUidSet.Single(one!.Uid), target.Name, ct);
        await client.SelectAsync(target.Name, cancellationToken: ct);
        var fetched = await client.UidFetchAsync(copied!.DestinationUids, new ImapFetchRequest(ImapFetchItems.Body), ct);

        Assert.Equal(message, Assert.Single(fetched.Messages).Body!.Value.ToArray());
        Assert.Equal(client.Selected!.UidValidity, copied.UidValidity);
    }

    [ServerFact(Server.Dovecot)]
    public async Task UidExpungeAsync_DeletedMessage_RemovesOnlyThatOne()
    {
        var ct = TestTimeout.Token();
        await using var folder = await TestFolder.CreateAsync(Dovecot.Alice, ct);
        await using var client = await Dovecot.ConnectAsync(Dovecot.Alice, cancellationToken: ct);
        var one = await client.AppendAsync(folder.Name, Dovecot.Message(1), new ImapAppendOptions { Flags = ["\\Deleted"] }, ct);
        var two = await client.AppendAsync(folder.Name, Dovecot.Message(2), new ImapAppendOptions { Flags = ["\\Deleted"] }, ct);
        await client.SelectAsync(folder.Name, cancellationToken: ct);

        await client.UidExpungeAsync(ImapUidSet.Single(one!.Uid), ct);

        Assert.Equal([two!.Uid], await client.UidSearchAsync("ALL", ct));
    }
}
