using MailMesh.Campaigns.Sending;
using MailMesh.Protocols.Smtp;
using Microsoft.Extensions.Time.Testing;

namespace MailMesh.Campaigns.Tests.Sending;

/// <summary>The relay's replies to a batch reach the worker grain in groups: all of them at once when they are all in,
/// else what arrived within the flush interval of a group's first reply.</summary>
public sealed class ReplyGroupsTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(200);

    private static ReplyGroups<string> Groups(int expected, FakeTimeProvider time) =>
        new(expected, time, Interval, (submission, state) => ReplyGroups<string>.IsCancellation(submission) ? null : (string)state!);

    private static Task<SubmissionResult> Accepted(string recipient) =>
        Task.FromResult(new SubmissionResult([new RecipientOutcome(recipient, SubmissionStatus.Accepted, 250, null, "ok")], "relay:25"));

    [Fact]
    public async Task NextAsync_AllRepliesIn_OneGroupWithoutWaitingForTheInterval()
    {
        var time = new FakeTimeProvider();
        using var groups = Groups(3, time);
        var next = groups.NextAsync();
        groups.Received(Accepted("a"), "a");
        groups.Received(Accepted("b"), "b");
        Assert.False(next.IsCompleted);
        groups.Received(Accepted("c"), "c");

        Assert.Equal(["a", "b", "c"], await next);
        Assert.False(groups.HasMore);
    }

    [Fact]
    public async Task NextAsync_SlowReply_GroupOfTheOthersReadyOneIntervalAfterTheFirst()
    {
        var time = new FakeTimeProvider();
        using var groups = Groups(3, time);
        groups.Received(Accepted("a"), "a");
        time.Advance(TimeSpan.FromMilliseconds(150));
        groups.Received(Accepted("b"), "b");
        var next = groups.NextAsync();
        time.Advance(TimeSpan.FromMilliseconds(49));
        Assert.False(next.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Equal(["a", "b"], await next);
        Assert.True(groups.HasMore);
        var last = groups.NextAsync();
        groups.Received(Accepted("c"), "c");
        Assert.Equal(["c"], await last);
        Assert.False(groups.HasMore);
    }

    [Fact]
    public async Task NextAsync_GroupAfterATakenOne_WaitsItsOwnIntervalFromItsFirstReply()
    {
        var time = new FakeTimeProvider();
        using var groups = Groups(4, time);
        groups.Received(Accepted("a"), "a");
        time.Advance(Interval);
        Assert.Equal(["a"], await groups.NextAsync());

        time.Advance(TimeSpan.FromMilliseconds(100));
        groups.Received(Accepted("b"), "b");
        var next = groups.NextAsync();
        time.Advance(TimeSpan.FromMilliseconds(199));
        Assert.False(next.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(["b"], await next);
    }

    [Fact]
    public async Task NextAsync_ReadyBeforeAsked_ReturnsTheGroupAtOnce()
    {
        var time = new FakeTimeProvider();
        using var groups = Groups(2, time);
        groups.Received(Accepted("a"), "a");
        time.Advance(Interval);

        var next = groups.NextAsync();
        Assert.True(next.IsCompletedSuccessfully);
        Assert.Equal(["a"], await next);
    }

    [Fact]
    public async Task NextAsync_CancelledSubmission_FailsItsGroupWithTheCancellation()
    {
        var time = new FakeTimeProvider();
        using var groups = Groups(2, time);
        var next = groups.NextAsync();
        groups.Received(Accepted("a"), "a");
        groups.Received(Task.FromCanceled<SubmissionResult>(new CancellationToken(canceled: true)), "b");

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => next);
    }
}
