using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace MailMesh.Bench.Engagement;

/// <summary>One wrk run: requests, requests/s, responses that were not 2xx/3xx, and the server's CPU time per request.</summary>
public sealed record WrkResult(long Requests, double RequestsPerSecond, long Errors, double CpuMicrosPerRequest);

/// <summary>Runs wrk and reads its summary. With a <paramref name="userAgent"/> every request sends it (a person's
/// browser); without, wrk sends none.</summary>
public sealed partial class WrkRunner(string wrk, int threads, int connections, string? userAgent = null)
{
    /// <summary>Runs wrk against <paramref name="url"/>, or with <paramref name="script"/> (a Lua file choosing each
    /// request's path) against the server of <paramref name="url"/>.</summary>
    public async Task<WrkResult> RunAsync(string url, int seconds, Func<TimeSpan>? serverCpu = null, string? script = null)
    {
        var cpuBefore = serverCpu?.Invoke() ?? TimeSpan.Zero;
        var jitBefore = System.Runtime.JitInfo.GetCompilationTime();
        List<string> arguments = ["-t" + threads, "-c" + connections, "-d" + seconds + "s"];
        if (userAgent is not null)
        {
            arguments.AddRange(["-H", "User-Agent: " + userAgent]);
        }

        if (script is not null)
        {
            arguments.AddRange(["-s", script]);
        }

        arguments.Add(url);
        var start = new ProcessStartInfo(wrk, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("wrk did not start.");
        var output = await process.StandardOutput.ReadToEndAsync().ConfigureAwait(false);
        var error = await process.StandardError.ReadToEndAsync().ConfigureAwait(false);
        await process.WaitForExitAsync().ConfigureAwait(false);
        var cpu = (serverCpu?.Invoke() ?? TimeSpan.Zero) - cpuBefore;
        var jit = System.Runtime.JitInfo.GetCompilationTime() - jitBefore;
        if (process.ExitCode != 0 || Total().Match(output) is not { Success: true } total || Rate().Match(output) is not { Success: true } rate)
        {
            throw new InvalidOperationException($"wrk failed on {url} (exit {process.ExitCode}): {output}{error}");
        }

        var requests = long.Parse(total.Groups[1].Value, CultureInfo.InvariantCulture);
        var errors = Errors().Match(output) is { Success: true } e ? long.Parse(e.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
        var result = new WrkResult(requests, double.Parse(rate.Groups[1].Value, CultureInfo.InvariantCulture), errors, cpu.TotalMicroseconds / Math.Max(requests, 1));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {url[..Math.Min(url.Length, 60)]}…: {result.Requests} requests, {result.RequestsPerSecond:F0}/s, CPU {cpu.TotalSeconds:F2} s, non-2xx/3xx {errors}; this process's JIT {jit.TotalMilliseconds:F0} ms"));
        return result;
    }

    [GeneratedRegex(@"(\d+) requests in")]
    private static partial Regex Total();

    [GeneratedRegex(@"Requests/sec:\s+([\d.]+)")]
    private static partial Regex Rate();

    [GeneratedRegex(@"Non-2xx or 3xx responses: (\d+)")]
    private static partial Regex Errors();
}
