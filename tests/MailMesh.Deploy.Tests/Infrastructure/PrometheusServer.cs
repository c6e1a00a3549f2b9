using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using MailMesh.Testing;

namespace MailMesh.Deploy.Tests.Infrastructure;

/// <summary>Debian's prometheus on a free loopback port, scraping one silo every second as job
/// <c>mailmesh-silo</c> (the job name of k8s/observability/prometheus.yml), its data in a temporary directory.</summary>
internal sealed class PrometheusServer : IAsyncDisposable
{
    public const string Job = "mailmesh-silo";

    private readonly Process _process;
    private readonly DirectoryInfo _directory;
    private readonly StringBuilder _log;
    private readonly HttpClient _http;

    private PrometheusServer(Process process, DirectoryInfo directory, StringBuilder log, Uri address)
    {
        _process = process;
        _directory = directory;
        _log = log;
        Address = address;
        _http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
    }

    public Uri Address { get; }

    /// <summary>What prometheus wrote to stderr (its log), for failure messages.</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>Starts prometheus scraping <paramref name="target"/> (host:port) at <paramref name="metricsPath"/> and
    /// waits until it is ready.</summary>
    public static async Task<PrometheusServer> StartAsync(string executable, string target, string metricsPath)
    {
        var directory = Directory.CreateTempSubdirectory("mailmesh-prometheus-");
        var config = Path.Combine(directory.FullName, "prometheus.yml");
        await File.WriteAllTextAsync(config, $"""
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
              evaluation_interval: 1s
            scrape_configs:
              - job_name: {Job}
                metrics_path: {metricsPath}
                static_configs:
                  - targets: ["{target}"]
            """);
        var address = new Uri(Loopback.FreeHttpUrl());
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
            WorkingDirectory = directory.FullName,
        };
        foreach (var argument in new[]
                 {
                     "--config.file=" + config, "--storage.tsdb.path=" + Path.Combine(directory.FullName, "data"),
                     $"--web.listen-address=127.0.0.1:{address.Port}", "--storage.tsdb.retention.time=1h",
                 })
        {
            start.ArgumentList.Add(argument);
        }

        var log = new StringBuilder();
        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {executable}");
        process.ErrorDataReceived += (_, e) =>
        {
            lock (log)
            {
                log.AppendLine(e.Data);
            }
        };
        process.OutputDataReceived += (_, e) =>
        {
            lock (log)
            {
                log.AppendLine(e.Data);
            }
        };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        var server = new PrometheusServer(process, directory, log, address);
        try
        {
            await server.WaitReadyAsync(TimeSpan.FromSeconds(60));
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs an instant query; returns the result vector's values (NaN included), or the error.</summary>
    public async Task<(IReadOnlyList<double> Values, string? Error)> QueryAsync(string expression)
    {
        using var response = await _http.GetAsync(new Uri("/api/v1/query?query=" + Uri.EscapeDataString(expression), UriKind.Relative));
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        if ((string?)body["status"] != "success")
        {
            return ([], $"{body["errorType"]}: {body["error"]}");
        }

        var data = body["data"]!;
        var values = (string?)data["resultType"] switch
        {
            "vector" => data["result"]!.AsArray().Select(r => (string)r!["value"]![1]!).ToList(),
            "scalar" => [(string)data["result"]![1]!],
            var other => throw new InvalidOperationException($"query '{expression}' returned a {other}, which a panel cannot show"),
        };
        return ([.. values.Select(v => double.Parse(v, NumberStyles.Float, CultureInfo.InvariantCulture))], null);
    }

    /// <summary>The health of the silo target as Prometheus last saw it ("up", "down", "unknown") and its last error.</summary>
    public async Task<string> TargetStateAsync()
    {
        var body = JsonNode.Parse(await _http.GetStringAsync(new Uri("/api/v1/targets", UriKind.Relative)))!;
        var targets = body["data"]?["activeTargets"]?.AsArray() ?? [];
        return string.Join("; ", targets.Select(t => $"{t!["scrapeUrl"]} {t["health"]} {t["lastError"]}"));
    }

    private async Task WaitReadyAsync(TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"prometheus exited with {_process.ExitCode} before it was ready: {Log}");
            }

            try
            {
                using var response = await _http.GetAsync(new Uri("/-/ready", UriKind.Relative));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            if (deadline.Elapsed > timeout)
            {
                throw new TimeoutException($"prometheus at {Address} was not ready within {timeout.TotalSeconds:0} s: {Log}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200));
        }
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        try
        {
            _directory.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A TSDB file the killed process still held open; the OS temp cleanup removes it.
        }
    }
}
