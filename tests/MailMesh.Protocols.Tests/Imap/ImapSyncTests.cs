using MailMesh.Protocols.Imap;
using MailMesh.Protocols.Tests.Support;
using MailMesh.Testing;

namespace MailMesh.Protocols.Tests.Imap;

/// <summary>What a mailbox sync relies on: CONDSTORE, QRESYNC and IDLE, with a second session making changes.</summary>
[Collection(DovecotCollection.Name)]
public sealed class ImapSyncTests
{
    private static readonly TimeSpan EventWait = TimeSpan.FromSeconds(10);

    [ServerFact(Server.Dovecot)]
    public async Task UidFetchAsync_ChangedSince_ReturnsOnlyMessagesChangedAfterThatModSeq()
    {
        var ct = TestTimeout.Token();
        await using var folder = await TestFolder.CreateAsync(Dovecot.Alice, ct);
        await using var client = await Dovecot.ConnectAsync(Dovecot.Alice, cancellationToken: ct);
        var appended = await client.AppendManyAsync(folder.Name, [Dovecot.Message(1), Dovecot.Message(2), Dovecot.Message(3)], cancellationToken: ct);
        var selected = await client.SelectAsync(folder.Name, cancellationToken: ct);
        var since = selected.Mailbox.HighestModSeq;

        await client.UidStoreAsync(ImapUidSet.Single(appended[1].Uid), ImapStoreMode.Add, ["\\Seen"], cancellationToken: ct);
        var changed = await client.UidFetchAsync(ImapUidSet.All, new ImapFetchRequest(ImapFetchItems.Flags | ImapFetchItems.ModSeq) { ChangedSince = since }, ct);

        var message = Assert.Single(changed.Messages);
        Assert.Equal(appended[1].Uid, message.Uid);
        Assert.True(message.HasFlag("\\Seen"));
        Assert.True(message.ModSeq > since);
    }

    [ServerFact(Server.Dovecot)]
    public async Task SelectAsync_QResyncAfterExpungeBySecondSession_ReportsVanishedAndChangedFlags()
    {
        var ct = TestTimeout.Token();
        await using var folder = await TestFolder.CreateAsync(Dovecot.Alice, ct);
        await using var syncer = await Dovecot.ConnectAsync(Dovecot.Alice, cancellationToken: ct);
        await syncer.EnableAsync(["QRESYNC"], ct);
        var appended = await syncer.AppendManyAsync(folder.Name, [Dovecot.Message(1), Dovecot.Message(2), Dovecot.Message(3)], cancellationToken: ct);
        var first = await syncer.SelectAsync(folder.Name, cancellationToken: ct);
        var validity = first.Mailbox.UidValidity;
        var modSeq = first.Mailbox.HighestModSeq;
        await syncer.UnselectAsync(ct);

        await using (var other = await Dovecot.ConnectAsync(Dovecot.Alice, cancellationToken: ct))
        {
            await other.SelectAsync(folder.Name, cancellationToken: ct);
            await other.UidStoreAsync(ImapUidSet.Single(appended[0].Uid), ImapStoreMode.Add, ["\\Deleted"], cancellationToken: ct);
            await other.UidExpungeAsync(ImapUidSet.Single(appended[0].Uid), ct);
            await other.UidStoreAsync(ImapUidSet.Single(appended[2].Uid), ImapStoreMode.Add, ["\\Flagged"], cancellationToken: ct);
        }

        var resync = await syncer.SelectAsync(folder.Name, new ImapQResyncParameters(validity, modSeq, ImapUidSet.FromUids(appended.Select(a => a.Uid))), ct);

        Assert.Equal(validity, resync.Mailbox.UidValidity);
        Assert.Equal([appended[0].Uid], resync.Vanished);
        var change = Assert.Single(resync.Changed);
        Assert.Equal(appended[2].Uid, change.Uid);
        Assert.True(change.HasFlag("\\Flagged"));
        Assert.True(resync.Mailbox.HighestModSeq > modSeq);
        Assert.Equal(2u, resync.Mailbox.Count);
    }

    [ServerFact(Server.Dovecot)]
    public async Task UidFetchAsync_ChangedSinceWithVanished_ReportsExpungedUids()
    {
        var ct = TestTimeout.Token();
        await using var folder = await TestFolder.CreateAsync(Dovecot.Alice, ct);
        await using var syncer = await Dovecot.ConnectAsync(Dovecot.Alice, cancellationToken: ct);
        await syncer.EnableAsync(["QRESYNC"], ct);
        var appended = await syncer.AppendManyAsync(folder.Name, [Dovecot.Message(1), Dovecot.Message(2)], cancellationToken: ct);
        var selected = await syncer.SelectAsync(folder.Name, cancellationToken: ct);
        var modSeq = selected.Mailbox.HighestModSeq;
        var vanishedEvents = new List<ImapVanishedEventArgs>();
        syncer.MailboxChanged += (_, e) =>
        {
            if (e is ImapVanishedEventArgs vanished)
            {
                vanishedEvents.Add(vanished);
            }
        };

        await using (var other = await Dovecot.ConnectAsync(Dovecot.Alice, cancellationToken: ct))
        {
            await other.SelectAsync(folder.Name, cancellationToken: ct);
            await other.UidStoreAsync(ImapUidSet.Single(appended[1].Uid), ImapStoreMode.Add, ["\\Deleted"], cancellationToken: ct);
            await other.ExpungeAsync(ct);
        }

        var result = await syncer.UidFetchAsync(ImapUidSet.All, new ImapFetchRequest(ImapFetchItems.Flags) { ChangedSince = modSeq, Vanished = true }, ct);

        // The expunge reaches this session either as VANISHED (EARLIER) for the fetch or as a live VANISHED.
        var reported = result.Vanished.Concat(vanishedEvents.SelectMany(e => e.Uids)).Distinct().ToList();
        Assert.Equal([appended[1].Uid], reported);
    }

    [ServerFact(Server.Dovecot)]
    public async Task IdleAsync_OtherSessionAppends_RaisesExistsAndEndsCleanly()
    {
        var ct = TestTimeout.Token();
        await using var folder = await TestFolder.CreateAsync(Dovecot.Alice, ct);
        await using var idler = await Dovecot.ConnectAsync(Dovecot.Alice, cancellationToken: ct);
        await idler.SelectAsync(folder.Name, cancellationToken: ct);
        var exists = new TaskCompletionSource<uint>(TaskCreationOptions.RunContinuationsAsynchronously);
        idler.MailboxChanged += (_, e) =>
        {
            if (e is ImapExistsEventArgs { Count: > 0 } grown)
            {
                exists.TrySetResult(grown.Count);
            }
        };
        using var done = new CancellationTokenSource();

        var idling = WaitForStateAsync(idler, ImapSessionState.Idle);
        var idle = idler.IdleAsync(done.Token, ct);
        await idling;
        await using (var other = await Dovecot.ConnectAsync(Dovecot.Alice, cancellationToken: ct))
        {
            await other.AppendAsync(folder.Name, Dovecot.Message(1), cancellationToken: ct);
        }

        var count = await exists.Task.Within(EventWait, "an EXISTS event while idling after another session appended a message");
        await done.CancelAsync();
        await idle.Within(EventWait, "IDLE to end after DONE");

        Assert.Equal(1u, count);
        Assert.Equal(ImapSessionState.Selected, idler.State);
        Assert.Equal(1u, idler.Selected!.Count);
        var fetched = await idler.UidFetchAsync(ImapUidSet.All, new ImapFetchRequest(ImapFetchItems.Flags), ct);
        Assert.Single(fetched.Messages);
    }

    [ServerFact(Server.Dovecot)]
    public async Task IdleAsync_CancellationToken_EndsIdleAndKeepsSessionUsable()
    {
        var ct = TestTimeout.Token();
        await using var client = await Dovecot.ConnectAsync(Dovecot.Alice, cancellationToken: ct);
        await client.SelectAsync("INBOX", cancellationToken: ct);
        using var cancel = new CancellationTokenSource();

        var idling = WaitForStateAsync(client, ImapSessionState.Idle);
        var idle = client.IdleAsync(CancellationToken.None, cancel.Token);
        await idling;
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => idle.Within(EventWait, "IDLE to end after cancellation"));
        Assert.Equal(ImapSessionState.Selected, client.State);
        await client.NoopAsync(ct);
    }

    /// <summary>Completes (bounded) when the client next enters <paramref name="state"/>; subscribe before acting.</summary>
    private static Task WaitForStateAsync(ImapClient client, ImapSessionState state)
    {
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.StateChanged += (_, now) =>
        {
            if (now == state)
            {
                reached.TrySetResult();
            }
        };
        return reached.Task.Within(EventWait, $"the client to enter {state}");
    }
}
