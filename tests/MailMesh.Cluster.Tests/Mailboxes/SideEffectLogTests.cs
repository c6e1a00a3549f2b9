using MailMesh.Grains.Effects;

namespace MailMesh.Cluster.Tests.Mailboxes;

public sealed class SideEffectLogTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Start_KeyAlreadyStarted_ThrowsNamingTheEffect()
    {
        var log = new SideEffectLog();
        log.Start("smtp.send message:m1", "smtp.send", Now);

        var error = Assert.Throws<InvalidOperationException>(() => log.Start("smtp.send message:m1", "smtp.send", Now));

        Assert.Contains("'smtp.send message:m1' (smtp.send) was already started", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Complete_StartedKey_IsDoneWithTheOutcome()
    {
        var log = new SideEffectLog();
        log.Start("imap.move message:m1", "imap.move", Now);

        log.Complete("imap.move message:m1", "Archive/7/42", Now.AddSeconds(1));

        var record = log.Find("imap.move message:m1")!;
        Assert.True(record.IsDone);
        Assert.Equal("Archive/7/42", record.Outcome);
        Assert.Equal(Now.AddSeconds(1), record.DoneAt);
    }

    [Fact]
    public void Abandon_StartedKey_CanBeStartedAgain()
    {
        var log = new SideEffectLog();
        log.Start("k", "smtp.send", Now);

        log.Abandon("k");

        Assert.Null(log.Find("k"));
        Assert.False(log.Start("k", "smtp.send", Now).IsDone);
    }

    [Fact]
    public void Start_RecordsOlderThanTheLifetime_AreDropped()
    {
        var log = new SideEffectLog();
        log.Start("old", "smtp.send", Now - SideEffectLog.Lifetime - TimeSpan.FromMinutes(1));
        log.Start("recent", "smtp.send", Now - TimeSpan.FromDays(1));

        log.Start("new", "smtp.send", Now);

        Assert.Equal(["new", "recent"], log.Records.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Start_LogFull_DropsTheOldestToStayAtTheLimit()
    {
        var log = new SideEffectLog();
        for (var i = 0; i < SideEffectLog.MaxRecords; i++)
        {
            log.Start($"k{i}", "smtp.send", Now.AddSeconds(i - SideEffectLog.MaxRecords));
        }

        log.Start("newest", "smtp.send", Now);

        Assert.Equal(SideEffectLog.MaxRecords, log.Records.Count);
        Assert.Null(log.Find("k0"));
        Assert.NotNull(log.Find("k1"));
        Assert.NotNull(log.Find("newest"));
    }

    [Fact]
    public void Complete_NeverStarted_Throws()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new SideEffectLog().Complete("k", null, Now));

        Assert.Contains("never started", error.Message, StringComparison.Ordinal);
    }
}
