using MailMesh.Protocols.Smtp;

namespace MailMesh.Protocols.Tests.Smtp;

public sealed class DeferralPolicyTests
{
    private static readonly DeferralPolicyOptions Options = new()
    {
        InitialDelay = TimeSpan.FromMinutes(5),
        Multiplier = 2,
        MaxDelay = TimeSpan.FromHours(1),
        MaxAge = TimeSpan.FromHours(6),
        Jitter = 0.2,
    };

    [Fact]
    public void Decide_SuccessiveDeferrals_DoublesUpToMaxDelay()
    {
        var clock = new ManualTimeProvider();
        var policy = new DeferralPolicy(Options, clock, () => 0.5);
        var first = clock.GetUtcNow();

        var waits = Enumerable.Range(1, 6).Select(n => policy.Decide(first, n).RetryAt - clock.GetUtcNow()).ToList();

        Assert.Equal([5, 10, 20, 40, 60, 60], waits.Select(w => w.TotalMinutes));
    }

    [Theory]
    [InlineData(0.0, 4.0)]
    [InlineData(0.999999, 6.0)]
    public void Decide_Jitter_SpreadsTheWaitWithinTheFraction(double random, double expectedMinutes)
    {
        var clock = new ManualTimeProvider();
        var policy = new DeferralPolicy(Options, clock, () => random);

        var wait = policy.Decide(clock.GetUtcNow(), 1).RetryAt - clock.GetUtcNow();

        Assert.Equal(expectedMinutes, wait.TotalMinutes, 3);
    }

    [Fact]
    public void Decide_BackoffWouldPassMaxAge_LastRetryAtTheDeadlineThenGivesUp()
    {
        var clock = new ManualTimeProvider();
        var policy = new DeferralPolicy(Options, clock, () => 0.5);
        var first = clock.GetUtcNow();
        clock.Advance(TimeSpan.FromHours(5.5));

        var last = policy.Decide(first, 9, "451 4.3.0 busy");
        Assert.False(last.GiveUp);
        Assert.Equal(first + Options.MaxAge, last.RetryAt);

        clock.Advance(last.RetryAt - clock.GetUtcNow());
        var done = policy.Decide(first, 10, "451 4.3.0 busy");
        Assert.True(done.GiveUp);
        Assert.Contains("maximum age", done.Reason, StringComparison.Ordinal);
        Assert.Contains("451 4.3.0 busy", done.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_InvalidOptions_ListsEveryProblem()
    {
        var error = Assert.Throws<ArgumentException>(() => new DeferralPolicy(new DeferralPolicyOptions
        {
            InitialDelay = TimeSpan.FromHours(2), MaxDelay = TimeSpan.FromHours(1), Multiplier = 0.5, Jitter = 1.5,
        }));

        Assert.Contains("MaxDelay", error.Message, StringComparison.Ordinal);
        Assert.Contains("Multiplier is 0.5", error.Message, StringComparison.Ordinal);
        Assert.Contains("Jitter is 1.5", error.Message, StringComparison.Ordinal);
    }
}
