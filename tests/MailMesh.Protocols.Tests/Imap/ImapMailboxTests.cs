using MailMesh.Protocols.Imap;
using MailMesh.Protocols.Tests.Support;
using MailMesh.Testing;

namespace MailMesh.Protocols.Tests.Imap;

[Collection(DovecotCollection.Name)]
public sealed class ImapMailboxTests
{
    [ServerFact(Server.Dovecot)]
    public async Task ListAsync_WithStatus_ReportsSpecialUseAndStatusOfEachMailbox()
    {
        var ct = TestTimeout.Token();
        await using var folder = await TestFolder.CreateAsync(Dovecot.Alice, ct);
        await using var client = await Dovecot.ConnectAsync(Dovecot.Alice, cancellationToken: ct);
        await client.AppendAsync(folder.Name, Dovecot.Message(1), cancellationToken: ct);

        var mailboxes = await client.ListAsync(statusItems: ImapStatusItems.Messages | ImapStatusItems.UidNext | ImapStatusItems.UidValidity, cancellationToken: ct);

        Assert.Equal(ImapSpecialUse.Sent, mailboxes.Single(m => m.Name == "Sent").SpecialUse);
        Assert.Equal(ImapSpecialUse.Drafts, mailboxes.Single(m => m.Name == "Drafts").SpecialUse);
        Assert.Equal(ImapSpecialUse.Trash, mailboxes.Single(m => m.Name == "Trash").SpecialUse);
        var mine = mailboxes.Single(m => m.Name == folder.Name);
        Assert.Equal('/', mine.Delimiter);
        Assert.Equal(ImapSpecialUse.None, mine.SpecialUse);
        Assert.Equal(1u, mine.Status?.Messages);
        Assert.Equal(2u, mine.Status?.UidNext);
        Assert.NotNull(mine.Status?.UidValidity);
    }

    [ServerFact(Server.Dovecot)]
    public async Task ListAsync_NonAsciiMailboxName_RoundTripsThroughModifiedUtf7()
    {
        var ct = TestTimeout.Token();
        var name = "Résumé-" + Guid.NewGuid().ToString("N")[..6] + "-日本";
        await using var client = await Dovecot.ConnectAsync(Dovecot.Alice, cancellationToken: ct);
        await client.CreateMailboxAsync(name, ct);
        try
        {
            var mailboxes = await client.ListAsync(cancellationToken: ct);
            var status = await client.StatusAsync(name, ImapStatusItems.Messages, ct);

            Assert.Contains(mailboxes, m => m.Name == name);
            Assert.Equal(0u, status.Messages);
        }
        finally
        {
            await client.DeleteMailboxAsync(name, ct);
        }
    }

    [ServerFact(Server.Dovecot)]
    public async Task SelectAsync_Mailbox_ReportsUidValidityUidNextHighestModSeqAndCount()
    {
        var ct = TestTimeout.Token();
        await using var folder = await TestFolder.CreateAsync(Dovecot.Alice, ct);
        await using var client = await Dovecot.ConnectAsync(Dovecot.Alice, cancellationToken: ct);
        await client.AppendAsync(folder.Name, Dovecot.Message(1), cancellationToken: ct);
        await client.AppendAsync(folder.Name, Dovecot.Message(2), cancellationToken: ct);

        var selected = await client.SelectAsync(folder.Name, cancellationToken: ct);

        Assert.Equal(ImapSessionState.Selected, client.State);
        Assert.Same(client.Selected, selected.Mailbox);
        Assert.False(selected.Mailbox.IsReadOnly);
        Assert.Equal(2u, selected.Mailbox.Count);
        Assert.Equal(3u, selected.Mailbox.UidNext);
        Assert.NotEqual(0u, selected.Mailbox.UidValidity);
        Assert.True(selected.Mailbox.HighestModSeq > 0);
        Assert.Contains("\\Seen", selected.Mailbox.PermanentFlags);
    }

    [ServerFact(Server.Dovecot)]
    public async Task ExamineAsync_Mailbox_IsReadOnly()
    {
        var ct = TestTimeout.Token();
        await using var client = await Dovecot.ConnectAsync(Dovecot.Alice, cancellationToken: ct);

        var examined = await client.ExamineAsync("INBOX", cancellationToken: ct);

        Assert.True(examined.Mailbox.IsReadOnly);
        Assert.Equal(ImapSessionState.Selected, client.State);
    }

    [ServerFact(Server.Dovecot)]
    public async Task SelectAsync_MissingMailbox_ThrowsCommandErrorAndLeavesNothingSelected()
    {
        var ct = TestTimeout.Token();
        await using var client = await Dovecot.ConnectAsync(Dovecot.Alice, cancellationToken: ct);
        await client.SelectAsync("INBOX", cancellationToken: ct);

        var error = await Assert.ThrowsAsync<ImapCommandException>(() => client.SelectAsync("does-not-exist-" + Guid.NewGuid().ToString("N"), cancellationToken: ct));

        Assert.Equal(ImapResponseStatus.No, error.Status);
        Assert.Contains("doesn't exist", error.ResponseText, StringComparison.Ordinal);
        Assert.Equal(ImapSessionState.Authenticated, client.State);
        Assert.Null(client.Selected);
    }

    [ServerFact(Server.Dovecot)]
    public async Task AppendAsync_ToMissingMailbox_ThrowsTryCreateWithoutBreakingTheSession()
    {
        var ct = TestTimeout.Token();
        await using var client = await Dovecot.ConnectAsync(Dovecot.Alice, cancellationToken: ct);

        var error = await Assert.ThrowsAsync<ImapCommandException>(() => client.AppendAsync("missing-" + Guid.NewGuid().ToString("N"), Dovecot.Message(1), cancellationToken: ct));

        Assert.Equal("TRYCREATE", error.ResponseCode);
        await client.NoopAsync(ct);
        Assert.Equal(ImapSessionState.Authenticated, client.State);
    }
}
