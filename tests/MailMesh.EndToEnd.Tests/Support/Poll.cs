namespace MailMesh.EndToEnd.Tests.Support;

/// <summary>Polls a condition until it holds or a deadline passes; a timeout names what was awaited and the last value
/// seen, so a failure says what did not happen.</summary>
public static class Poll
{
    /// <summary>The default deadline: generous, because the machine the suite runs on may be heavily loaded.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(90);

    private static readonly TimeSpan s_interval = TimeSpan.FromMilliseconds(50);

    /// <summary>Probes until <paramref name="done"/> holds for the probed value; returns that value.</summary>
    /// <param name="what">What is awaited, e.g. "the hard bounce of x@y to suppress the contact".</param>
    /// <param name="probe">Reads the current value.</param>
    /// <param name="done">Whether the value is the one awaited.</param>
    /// <param name="timeout">The deadline (default <see cref="DefaultTimeout"/>).</param>
    /// <param name="describe">How to print the last value in the failure message (default ToString).</param>
    public static async Task<T> UntilAsync<T>(string what, Func<Task<T>> probe, Func<T, bool> done, TimeSpan? timeout = null, Func<T, string>? describe = null)
    {
        var limit = timeout ?? DefaultTimeout;
        var deadline = DateTimeOffset.UtcNow + limit;
        while (true)
        {
            var value = await probe();
            if (done(value))
            {
                return value;
            }

            if (DateTimeOffset.UtcNow >= deadline)
            {
                var last = describe is not null ? describe(value) : value?.ToString() ?? "null";
                throw new TimeoutException($"Waited {limit.TotalSeconds:0} s for {what}; it did not happen. Last seen: {last}");
            }

            await Task.Delay(s_interval);
        }
    }
}
