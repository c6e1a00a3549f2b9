namespace MailMesh.Protocols.Tests.Support;

internal static class TestTimeout
{
    /// <summary>The bound for any single test step against a real or fake server.</summary>
    public static readonly TimeSpan Step = TimeSpan.FromSeconds(30);

    public static CancellationToken Token() => new CancellationTokenSource(Step).Token;

    /// <summary>Awaits <paramref name="task"/>, failing with a message naming what was awaited when it takes too long.</summary>
    public static async Task<T> Within<T>(this Task<T> task, TimeSpan limit, string waitingFor)
    {
        try
        {
            return await task.WaitAsync(limit);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"Timed out after {limit.TotalSeconds} s waiting for {waitingFor}.");
        }
    }

    public static async Task Within(this Task task, TimeSpan limit, string waitingFor)
    {
        try
        {
            await task.WaitAsync(limit);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"Timed out after {limit.TotalSeconds} s waiting for {waitingFor}.");
        }
    }
}
