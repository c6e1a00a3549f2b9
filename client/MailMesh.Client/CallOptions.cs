namespace MailMesh.Client;

/// <summary>Per-call settings.</summary>
public sealed class CallOptions
{
    /// <summary>Extra request metadata.</summary>
    public CallMetadata? Headers { get; init; }

    /// <summary>How long the call may take (sent as <c>grpc-timeout</c>; enforced locally too). Null uses the client default.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>Retries on UNAVAILABLE with backoff; null (the default) means no retry.</summary>
    public RetryPolicy? Retry { get; init; }
}

/// <summary>Opt-in retries of calls that failed with UNAVAILABLE: exponential backoff with jitter, within the call's timeout.</summary>
public sealed class RetryPolicy
{
    /// <summary>Attempts in total, including the first (2-10).</summary>
    public int MaxAttempts { get; init; } = 4;

    /// <summary>Wait before the first retry.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Longest wait between attempts.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Growth of the wait per attempt.</summary>
    public double BackoffMultiplier { get; init; } = 2;

    /// <summary>A sensible default: 4 attempts, 100 ms doubling up to 5 s.</summary>
    public static RetryPolicy Default { get; } = new();

    internal TimeSpan Backoff(int retry, Random random)
    {
        var max = Math.Min(MaxBackoff.TotalMilliseconds, InitialBackoff.TotalMilliseconds * Math.Pow(BackoffMultiplier, retry));

        // Full jitter between half and all of the computed wait, so clients do not retry in lockstep.
        return TimeSpan.FromMilliseconds(max * (0.5 + (random.NextDouble() * 0.5)));
    }
}
