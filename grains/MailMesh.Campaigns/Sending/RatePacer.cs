namespace MailMesh.Campaigns.Sending;

/// <summary>Paces events to a rate (generic cell rate algorithm): messages are spaced evenly, with a burst of at most one
/// second's worth (at least one), so a fresh minute does not start with a spike. Not thread-safe (one worker uses it).</summary>
public sealed class RatePacer
{
    private readonly TimeSpan _interval;
    private readonly TimeSpan _tolerance;
    private DateTimeOffset _theoretical = DateTimeOffset.MinValue;

    /// <summary>A pacer of <paramref name="perMinute"/> events a minute (fractions allowed; must be positive).</summary>
    public RatePacer(double perMinute)
    {
        if (!double.IsFinite(perMinute) || perMinute <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(perMinute), perMinute, "a rate must be a positive number of messages a minute.");
        }

        PerMinute = perMinute;
        _interval = TimeSpan.FromMinutes(1 / perMinute);
        var burst = Math.Max(1, Math.Floor(perMinute / 60));
        _tolerance = _interval * (burst - 1);
    }

    /// <summary>The rate.</summary>
    public double PerMinute { get; }

    /// <summary>How long to wait before the next event may go (zero: now).</summary>
    public TimeSpan Wait(DateTimeOffset now)
    {
        if (_theoretical == DateTimeOffset.MinValue)
        {
            return TimeSpan.Zero;
        }

        var allowedAt = _theoretical - _tolerance;
        return allowedAt > now ? allowedAt - now : TimeSpan.Zero;
    }

    /// <summary>Counts one event at <paramref name="now"/> (call after <see cref="Wait"/> answered zero).</summary>
    public void Take(DateTimeOffset now) => _theoretical = (_theoretical > now ? _theoretical : now) + _interval;
}
