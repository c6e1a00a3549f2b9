using MailMesh.Grains.Campaigns;

namespace MailMesh.Campaigns.Sending;

/// <summary>One worker's share of a campaign's throttles: the overall rate (the smaller of the campaign's per-minute
/// limit and the sending domain's slow-start ramp) divided among the shards, and the per-recipient-domain rate (exact:
/// with per-domain limits each recipient domain is sent by one shard). Uses the caller's clock.</summary>
public sealed class SendThrottle
{
    private readonly CampaignThrottle _throttle;
    private readonly SlowStartRamp _ramp;
    private readonly DateTimeOffset _domainSince;
    private readonly int _shards;
    private readonly Dictionary<string, RatePacer> _domains = new(StringComparer.Ordinal);
    private RatePacer? _overall;

    /// <summary>A throttle for one of <paramref name="shards"/> workers of a campaign whose sending domain was first used
    /// at <paramref name="domainSince"/>.</summary>
    public SendThrottle(CampaignThrottle throttle, SlowStartRamp ramp, DateTimeOffset domainSince, int shards)
    {
        ArgumentNullException.ThrowIfNull(throttle);
        ArgumentNullException.ThrowIfNull(ramp);
        _throttle = throttle;
        _ramp = ramp;
        _domainSince = domainSince;
        _shards = Math.Max(1, shards);
    }

    /// <summary>The overall limit per minute that applies at <paramref name="now"/> to the whole campaign, or null for none.</summary>
    public double? CampaignPerMinute(DateTimeOffset now)
    {
        double? limit = _throttle.PerMinute > 0 ? _throttle.PerMinute : null;
        if (_throttle.SlowStart && _ramp.PerMinute(_domainSince, now) is { } ramp)
        {
            limit = limit is null ? ramp : Math.Min(limit.Value, ramp);
        }

        return limit;
    }

    /// <summary>How long to wait before a message to <paramref name="recipientDomain"/> may go; when zero, the message is
    /// counted against the limits.</summary>
    public TimeSpan TryTake(string recipientDomain, DateTimeOffset now)
    {
        var overall = Overall(now);
        RatePacer? domain = null;
        if (_throttle.PerDomainPerMinute > 0 && !_domains.TryGetValue(recipientDomain, out domain))
        {
            domain = new RatePacer(_throttle.PerDomainPerMinute);
            _domains[recipientDomain] = domain;
        }

        var wait = TimeSpan.Zero;
        if (overall?.Wait(now) is { } a && a > wait)
        {
            wait = a;
        }

        if (domain?.Wait(now) is { } b && b > wait)
        {
            wait = b;
        }

        if (wait > TimeSpan.Zero)
        {
            return wait;
        }

        overall?.Take(now);
        domain?.Take(now);
        return TimeSpan.Zero;
    }

    private RatePacer? Overall(DateTimeOffset now)
    {
        if (CampaignPerMinute(now) is not { } limit)
        {
            _overall = null;
            return null;
        }

        var share = limit / _shards;
        if (_overall is null || Math.Abs(_overall.PerMinute - share) > 1e-9)
        {
            // The ramp grows day by day: a new rate starts a new pacer (its first message goes at once).
            _overall = new RatePacer(share);
        }

        return _overall;
    }
}

/// <summary>The slow start of a new sending domain: mail per hour starts at <see cref="InitialPerHour"/> on the day the
/// domain is first used and doubles every day until <see cref="Days"/> days have passed; then there is no ramp limit.
/// (Mailbox providers judge a new domain by its first weeks: a steady climb builds reputation, a first-day flood
/// lands in spam.)</summary>
/// <param name="InitialPerHour">Messages per hour on the first day.</param>
/// <param name="Days">Days after which the ramp no longer limits.</param>
public sealed record SlowStartRamp(int InitialPerHour = 500, int Days = 14)
{
    /// <summary>The ramp's limit per minute at <paramref name="now"/> for a domain first used at <paramref name="since"/>,
    /// or null when the ramp is over.</summary>
    public double? PerMinute(DateTimeOffset since, DateTimeOffset now)
    {
        var age = now - since;
        var day = age <= TimeSpan.Zero ? 0 : (int)Math.Floor(age.TotalDays);
        if (day >= Days)
        {
            return null;
        }

        return InitialPerHour * Math.Pow(2, day) / 60;
    }
}
