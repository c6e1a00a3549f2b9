namespace MailMesh.SmokeTests;

/// <summary>Bounded waits for smoke tests: they talk to local servers and must never hang.</summary>
internal static class TestContext
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    /// <summary>A token that cancels after <see cref="DefaultTimeout"/>.</summary>
    public static CancellationToken Timeout() => new CancellationTokenSource(DefaultTimeout).Token;

    /// <summary>Awaits <paramref name="task"/> for at most <see cref="DefaultTimeout"/>; the failure names what it waited for.</summary>
    public static async Task<T> WithTimeout<T>(this Task<T> task, string waitingFor)
    {
        var finished = await Task.WhenAny(task, Task.Delay(DefaultTimeout));
        return finished == task
            ? await task
            : throw new TimeoutException($"Timed out after {DefaultTimeout.TotalSeconds:0} s waiting for {waitingFor}.");
    }
}
