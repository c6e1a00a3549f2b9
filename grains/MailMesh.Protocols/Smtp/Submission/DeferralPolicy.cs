namespace MailMesh.Protocols.Smtp;

/// <summary>Retry scheduling of deferred recipients (configuration section <c>Campaigns:Relay:Deferral</c>).</summary>
public sealed class DeferralPolicyOptions
{
    /// <summary>The wait after the first deferral (default 5 min).</summary>
    public TimeSpan InitialDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Each further deferral multiplies the wait by this (default 2).</summary>
    public double Multiplier { get; set; } = 2;

    /// <summary>The longest wait between two attempts (default 4 h).</summary>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromHours(4);

    /// <summary>How long after the first deferral a recipient is given up (default 3 days; RFC 5321 4.5.4.1 suggests 4-5).</summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromDays(3);

    /// <summary>Each wait is spread uniformly by ± this fraction so deferred recipients do not come back together (default 0.2).</summary>
    public double Jitter { get; set; } = 0.2;

    /// <summary>Every problem, each naming its key under <paramref name="prefix"/>; empty when valid.</summary>
    public IReadOnlyList<string> Validate(string prefix = "")
    {
        var errors = new List<string>();
        if (InitialDelay <= TimeSpan.Zero)
        {
            errors.Add($"{prefix}InitialDelay is {InitialDelay}; it must be positive.");
        }

        if (MaxDelay < InitialDelay)
        {
            errors.Add($"{prefix}MaxDelay {MaxDelay} is shorter than InitialDelay {InitialDelay}.");
        }

        if (MaxAge < InitialDelay)
        {
            errors.Add($"{prefix}MaxAge {MaxAge} is shorter than InitialDelay {InitialDelay}: nothing would ever be retried.");
        }

        if (!(Multiplier >= 1) || double.IsInfinity(Multiplier))
        {
            errors.Add($"{prefix}Multiplier is {Multiplier}; it must be at least 1.");
        }

        if (!(Jitter is >= 0 and < 1))
        {
            errors.Add($"{prefix}Jitter is {Jitter}; it must be at least 0 and below 1.");
        }

        return errors;
    }
}

/// <summary>What to do with a deferred recipient.</summary>
/// <param name="GiveUp">True when the recipient has been deferred for longer than the maximum age: record it as failed.</param>
/// <param name="RetryAt">When to try again (meaningless when giving up).</param>
/// <param name="Reason">Why, for the send record.</param>
public readonly record struct DeferralDecision(bool GiveUp, DateTimeOffset RetryAt, string Reason);

/// <summary>
/// Exponential backoff with jitter and a maximum age for recipients a relay deferred (4xx, dropped connection). The
/// campaign sender stores the first deferral time and the attempt count per recipient and asks this policy after each
/// deferral. The last retry is moved to the deadline when the backoff would pass it, so the maximum age is used in full.
/// </summary>
public sealed class DeferralPolicy
{
    private readonly DeferralPolicyOptions _options;
    private readonly TimeProvider _time;
    private readonly Func<double> _random;

    /// <summary>Creates the policy.</summary>
    /// <param name="options">The settings (validated here).</param>
    /// <param name="timeProvider">The clock (tests pass a manual one).</param>
    /// <param name="random">Uniform numbers in [0, 1) for the jitter; the shared random source by default.</param>
    /// <exception cref="ArgumentException">The settings are invalid; the message lists every problem.</exception>
    public DeferralPolicy(DeferralPolicyOptions? options = null, TimeProvider? timeProvider = null, Func<double>? random = null)
    {
        _options = options ?? new DeferralPolicyOptions();
        var errors = _options.Validate("DeferralPolicyOptions.");
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors), nameof(options));
        }

        _time = timeProvider ?? TimeProvider.System;
        _random = random ?? Random.Shared.NextDouble;
    }

    /// <summary>The settings.</summary>
    public DeferralPolicyOptions Options => _options;

    /// <summary>Decides after a deferral.</summary>
    /// <param name="firstDeferredAt">When the recipient was deferred the first time.</param>
    /// <param name="deferrals">How many times it has been deferred, this one included (1 after the first).</param>
    /// <param name="lastReply">The relay's last answer, quoted in the reason.</param>
    public DeferralDecision Decide(DateTimeOffset firstDeferredAt, int deferrals, string? lastReply = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(deferrals, 1);
        var now = _time.GetUtcNow();
        var deadline = firstDeferredAt + _options.MaxAge;
        var reply = string.IsNullOrEmpty(lastReply) ? string.Empty : $" Last answer: {lastReply}";
        if (now >= deadline)
        {
            return new DeferralDecision(true, now,
                $"Deferred {deferrals} time(s) over {now - firstDeferredAt:g}, beyond the maximum age of {_options.MaxAge:g}; giving up.{reply}");
        }

        var exponent = Math.Min(deferrals - 1, 60);
        var ticks = Math.Min(_options.InitialDelay.Ticks * Math.Pow(_options.Multiplier, exponent), _options.MaxDelay.Ticks);
        ticks *= 1 + (_options.Jitter * ((2 * _random()) - 1));
        var retryAt = now + TimeSpan.FromTicks((long)Math.Max(ticks, TimeSpan.TicksPerSecond));
        if (retryAt > deadline)
        {
            retryAt = deadline;
        }

        return new DeferralDecision(false, retryAt, $"Deferred {deferrals} time(s); retry at {retryAt:u}.{reply}");
    }
}
