using MailMesh.Protocols.Imap;
using MailMesh.Protocols.Pop3;
using MailMesh.Protocols.Tests.Support;
using MailMesh.Testing;

namespace MailMesh.Protocols.Tests.Pop3;

/// <summary>POP3 against Dovecot, on bob's INBOX (POP3 sees only the inbox); IMAP prepares the messages.</summary>
[Collection(DovecotCollection.Name)]
public sealed class Pop3DovecotTests
{
    /// <summary>Empties bob's INBOX and appends <paramref name="messages"/>; returns them in mailbox order.</summary>
    private static async Task<IReadOnlyList<byte[]>> ResetInboxAsync(IReadOnlyList<byte[]> messages, CancellationToken ct)
    {
        await using var imap = await Dovecot.ConnectAsync(Dovecot.Bob, cancellationToken: ct);
        var selected = await imap.SelectAsync("INBOX", cancellationToken: ct);
        if (selected.Mailbox.Count > 0)
        {
            await imap.UidStoreAsync(ImapUidSet.All, ImapStoreMode.Add, ["\\Deleted"], cancellationToken: ct);
            await imap.ExpungeAsync(ct);
        }

        if (messages.Count > 0)
        {
            await imap.AppendManyAsync("INBOX", messages.Select(m => (ReadOnlyMemory<byte>)m).ToList(), cancellationToken: ct);
        }

        return messages;
    }

    private static async Task<Pop3Client> ConnectBobAsync(TlsMode tls, CancellationToken ct)
    {
        var client = new Pop3Client(Dovecot.Pop3Options(tls));
        await client.ConnectAsync(ct);
        await client.AuthenticateAsync(Dovecot.Bob.Address, Dovecot.Bob.Password, ct);
        return client;
    }

    [ServerFact(Server.Dovecot)]
    public async Task ConnectAsync_Stls_UpgradesWithTrustedCaAndLogsIn()
    {
        var ct = TestTimeout.Token();
        await using var client = new Pop3Client(Dovecot.Pop3Options(TlsMode.StartTls));

        await client.ConnectAsync(ct);
        await client.AuthenticateAsync(Dovecot.Bob.Address, Dovecot.Bob.Password, ct);

        Assert.NotNull(client.TlsProtocol);
        Assert.False(client.Capabilities.Stls);
        Assert.True(client.Capabilities.Uidl);
        Assert.Equal(Pop3SessionState.Transaction, client.State);
    }

    [ServerFact(Server.Dovecot)]
    public async Task ConnectAsync_StlsWithUntrustedCertificate_ThrowsTlsProtocolException()
    {
        await using var client = new Pop3Client(Dovecot.Pop3Options(TlsMode.StartTls, trustTestCa: false));

        var error = await Assert.ThrowsAsync<Pop3ProtocolException>(() => client.ConnectAsync(TestTimeout.Token()));

        Assert.Equal(ProtocolFailureKind.Tls, error.Kind);
        Assert.Contains("not trusted", error.Message, StringComparison.Ordinal);
        Assert.Equal(Pop3SessionState.Broken, client.State);
    }

    [ServerFact(Server.Dovecot)]
    public async Task AuthenticateAsync_WrongPassword_ThrowsAuthenticationFailure()
    {
        var ct = TestTimeout.Token();
        await using var client = new Pop3Client(Dovecot.Pop3Options());
        await client.ConnectAsync(ct);

        var error = await Assert.ThrowsAsync<Pop3CommandException>(() => client.AuthenticateAsync(Dovecot.Bob.Address, "wrong", ct));

        Assert.True(error.IsAuthenticationFailure);
        Assert.Equal(Pop3SessionState.Authorization, client.State);
    }

    [ServerFact(Server.Dovecot)]
    public async Task StatListUidlTopRetr_ThreeMessages_MatchWhatWasStoredByteForByte()
    {
        var ct = TestTimeout.Token();
        var messages = await ResetInboxAsync(
            [Dovecot.Message(1, ".hidden line\r\n..two dots\r\n.\r\nend\r\n"), Dovecot.Message(2), Dovecot.Message(3, "x\r\n")], ct);
        await using var client = new Pop3Client(Dovecot.Pop3Options());
        await client.ConnectAsync(ct);
        await client.LoginAsync(Dovecot.Bob.Address, Dovecot.Bob.Password, ct);

        var stat = await client.StatAsync(ct);
        var list = await client.ListAsync(ct);
        var uidl = await client.UidlAsync(ct);
        using var first = new MemoryStream();
        var length = await client.RetrieveAsync(1, first, ct);
        using var top = new MemoryStream();
        await client.TopAsync(1, 0, top, ct);

        Assert.Equal(new Pop3Stat(3, messages.Sum(m => (long)m.Length)), stat);
        Assert.Equal(messages.Select((m, i) => new Pop3MessageInfo(i + 1, m.Length)), list);
        Assert.Equal(3, uidl.Select(u => u.Uid).Distinct().Count());
        Assert.Equal(messages[0], first.ToArray());
        Assert.Equal(messages[0].Length, length);
        var text = System.Text.Encoding.ASCII.GetString(messages[0]);
        Assert.Equal(text[..(text.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)], System.Text.Encoding.ASCII.GetString(top.ToArray()));
    }

    [ServerFact(Server.Dovecot)]
    public async Task DeleteAsync_ThenQuit_RemovesTheMessageButResetUndoesIt()
    {
        var ct = TestTimeout.Token();
        await ResetInboxAsync([Dovecot.Message(1), Dovecot.Message(2)], ct);
        string keptUid;
        await using (var client = await ConnectBobAsync(TlsMode.None, ct))
        {
            await client.DeleteAsync(1, ct);
            await client.ResetAsync(ct);
            await client.DeleteAsync(2, ct);
            await client.NoopAsync(ct);
            keptUid = (await client.UidlAsync(ct))[0].Uid;
            await client.QuitAsync(ct);
            Assert.Equal(Pop3SessionState.Disconnected, client.State);
        }

        await using var again = await ConnectBobAsync(TlsMode.None, ct);
        var uidl = await again.UidlAsync(ct);

        Assert.Equal(keptUid, Assert.Single(uidl).Uid);
    }

    [ServerFact(Server.Dovecot)]
    public async Task DisposeAsync_WithoutQuit_DoesNotDeleteMarkedMessages()
    {
        var ct = TestTimeout.Token();
        await ResetInboxAsync([Dovecot.Message(1)], ct);
        await using (var client = await ConnectBobAsync(TlsMode.None, ct))
        {
            await client.DeleteAsync(1, ct);
        }

        await using var again = await ConnectBobAsync(TlsMode.None, ct);

        Assert.Equal(1, (await again.StatAsync(ct)).Count);
    }

    [ServerFact(Server.Dovecot)]
    public async Task RetrieveAsync_ManyMessagesPipelined_StreamsEachOneExactly()
    {
        var ct = TestTimeout.Token();
        var messages = await ResetInboxAsync(Enumerable.Range(1, 60).Select(i => Dovecot.Message(i, $".line {i}\r\nbody\r\n")).ToList(), ct);
        await using var client = await ConnectBobAsync(TlsMode.StartTls, ct);
        var sink = new MemorySink();

        await client.RetrieveAsync(Enumerable.Range(1, 60).ToList(), sink, ct);

        Assert.True(client.Capabilities.Pipelining);
        Assert.Equal(60, sink.Messages.Count);
        for (var i = 0; i < 60; i++)
        {
            Assert.Equal(messages[i], sink.Messages[i + 1]);
        }
    }

    [ServerFact(Server.Dovecot)]
    public async Task RetrieveAsync_NoSuchMessage_ThrowsCommandErrorAndSessionStaysUsable()
    {
        var ct = TestTimeout.Token();
        await ResetInboxAsync([Dovecot.Message(1)], ct);
        await using var client = await ConnectBobAsync(TlsMode.None, ct);

        var error = await Assert.ThrowsAsync<Pop3CommandException>(() => client.RetrieveAsync(99, Stream.Null, ct));

        Assert.Equal("RETR", error.Command);
        Assert.False(error.IsAuthenticationFailure);
        Assert.Equal(1, (await client.StatAsync(ct)).Count);
    }

    private sealed class MemorySink : IPop3RetrieveSink
    {
        public Dictionary<int, byte[]> Messages { get; } = [];

        public ValueTask<Stream> OpenAsync(int number, CancellationToken cancellationToken) => ValueTask.FromResult<Stream>(new MemoryStream());

        public ValueTask CompletedAsync(int number, Stream stream, long length, CancellationToken cancellationToken)
        {
            Messages[number] = ((MemoryStream)stream).ToArray();
            return ValueTask.CompletedTask;
        }
    }
}
