using MailMesh.Campaigns.Sending;
using MailMesh.Grains.Campaigns;

namespace MailMesh.Campaigns.Tests.Sending;

public sealed class SendThrottleTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 10, 9, 0, 0, TimeSpan.Zero);
    private static readonly SlowStartRamp Ramp = new(600, 14);

    /// <summary>How many messages to <paramref name="domain"/> go in <paramref name="duration"/>, stepping a fake clock
    /// to each moment the throttle names.</summary>
    private static int CountSent(SendThrottle throttle, TimeSpan duration, Func<int, string> domain)
    {
        var now = T0;
        var sent = 0;
        while (now < T0 + duration)
        {
            var wait = throttle.TryTake(domain(sent), now);
            if (wait == TimeSpan.Zero)
            {
                sent++;
            }
            else
            {
                now += wait;
            }
        }

        return sent;
    }

    [Fact]
    public void TryTake_PerMinute_SpacesMessagesWithoutStartingBurst()
    {
        var throttle = new SendThrottle(new CampaignThrottle(PerMinute: 60, SlowStart: false), Ramp, T0, shards: 1);

        Assert.Equal(TimeSpan.Zero, throttle.TryTake("example.com", T0));
        Assert.Equal(TimeSpan.FromSeconds(1), throttle.TryTake("example.com", T0));
        Assert.Equal(600, CountSent(new SendThrottle(new CampaignThrottle(PerMinute: 60, SlowStart: false), Ramp, T0, 1), TimeSpan.FromMinutes(10), _ => "example.com"));
    }

    [Fact]
    public void TryTake_SharedAmongShards_EachShardGetsItsShare()
    {
        var throttle = new SendThrottle(new CampaignThrottle(PerMinute: 120, SlowStart: false), Ramp, T0, shards: 4);

        Assert.Equal(300, CountSent(throttle, TimeSpan.FromMinutes(10), _ => "example.com"));
    }

    [Fact]
    public void TryTake_PerDomainLimit_LimitsOneDomainButNotOthers()
    {
        var throttle = new SendThrottle(new CampaignThrottle(PerDomainPerMinute: 6, SlowStart: false), Ramp, T0, shards: 1);

        Assert.Equal(TimeSpan.Zero, throttle.TryTake("gmail.com", T0));
        Assert.Equal(TimeSpan.FromSeconds(10), throttle.TryTake("gmail.com", T0));
        Assert.Equal(TimeSpan.Zero, throttle.TryTake("yahoo.com", T0));
        Assert.Equal(TimeSpan.Zero, throttle.TryTake("gmail.com", T0.AddSeconds(10)));
        Assert.Equal(60, CountSent(new SendThrottle(new CampaignThrottle(PerDomainPerMinute: 6, SlowStart: false), Ramp, T0, 1), TimeSpan.FromMinutes(10), _ => "gmail.com"));
    }

    [Fact]
    public void TryTake_SlowStartForNewDomain_RampsUpDayByDay()
    {
        var throttle = new SendThrottle(new CampaignThrottle(SlowStart: true), Ramp, domainSince: T0, shards: 1);

        Assert.Equal(10, throttle.CampaignPerMinute(T0));
        Assert.Equal(20, throttle.CampaignPerMinute(T0.AddDays(1)));
        Assert.Equal(10 * Math.Pow(2, 13), throttle.CampaignPerMinute(T0.AddDays(13).AddHours(23)));
        Assert.Null(throttle.CampaignPerMinute(T0.AddDays(14)));
        Assert.Equal(100, CountSent(throttle, TimeSpan.FromMinutes(10), i => $"d{i}.example"));
    }

    [Fact]
    public void TryTake_SlowStartAndLimit_TheSmallerApplies()
    {
        var throttle = new SendThrottle(new CampaignThrottle(PerMinute: 5, SlowStart: true), Ramp, domainSince: T0, shards: 1);

        Assert.Equal(5, throttle.CampaignPerMinute(T0));
        Assert.Equal(5, throttle.CampaignPerMinute(T0.AddDays(30)));
        Assert.Null(new SendThrottle(new CampaignThrottle(SlowStart: false), Ramp, T0, 1).CampaignPerMinute(T0));
    }

    [Fact]
    public void Constructor_NonPositiveRate_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new RatePacer(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RatePacer(double.NaN));
    }
}
