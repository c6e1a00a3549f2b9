namespace MailMesh.Campaigns.Sending;

/// <summary>When a deferred recipient is tried again: after 1, 2, 4, 8, … minutes (doubling from <see cref="First"/>,
/// at most <see cref="Longest"/> apart), until the sum of the waits would pass the campaign's maximum deferral; then the
/// recipient fails. The schedule depends only on the attempt count, so it needs no clock of its own.</summary>
/// <param name="First">The wait after the first deferral.</param>
/// <param name="Longest">The longest wait between attempts.</param>
public sealed record DeferralBackoff(TimeSpan First, TimeSpan Longest)
{
    /// <summary>1 minute doubling to at most 1 hour.</summary>
    public static DeferralBackoff Default { get; } = new(TimeSpan.FromMinutes(1), TimeSpan.FromHours(1));

    /// <summary>The wait after attempt <paramref name="attempts"/> (1-based).</summary>
    public TimeSpan Delay(int attempts)
    {
        var delay = First;
        for (var i = 1; i < attempts && delay < Longest; i++)
        {
            delay *= 2;
        }

        return delay < Longest ? delay : Longest;
    }

    /// <summary>When to try again after <paramref name="attempts"/> deferred attempts, or null when the waits so far and
    /// the next one would pass <paramref name="maxDeferral"/> (the recipient fails).</summary>
    public DateTimeOffset? Next(int attempts, TimeSpan maxDeferral, DateTimeOffset now)
    {
        var total = TimeSpan.Zero;
        for (var i = 1; i <= attempts; i++)
        {
            total += Delay(i);
        }

        return total > maxDeferral ? null : now + Delay(attempts);
    }
}
