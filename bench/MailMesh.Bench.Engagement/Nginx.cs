using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace MailMesh.Bench.Engagement;

/// <summary>An nginx of the bench's own (no root): a temp prefix and config serving a static 1x1 GIF with the same
/// no-cache headers as the pixel endpoint at every <c>/o/*.gif</c>, and a fixed 302 at every <c>/c/*</c> (so a wrk script
/// sends it the same token paths as MailMesh), on a free loopback port.</summary>
public sealed class Nginx : IAsyncDisposable
{
    private static readonly byte[] Gif = Convert.FromBase64String("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7");
    private readonly Process _process;

    private Nginx(Process process, int port)
    {
        _process = process;
        PixelUrl = $"http://127.0.0.1:{port}/o/pixel.gif";
        RedirectUrl = $"http://127.0.0.1:{port}/c/redirect";
    }

    public string PixelUrl { get; }

    public string RedirectUrl { get; }

    /// <summary>The server's base URL (no trailing slash).</summary>
    public string BaseUrl => PixelUrl[..PixelUrl.IndexOf("/o/", StringComparison.Ordinal)];

    public static async Task<Nginx> StartAsync(string nginx, string directory)
    {
        var prefix = Path.Combine(directory, "nginx");
        Directory.CreateDirectory(Path.Combine(prefix, "www", "o"));
        Directory.CreateDirectory(Path.Combine(prefix, "logs"));
        await File.WriteAllBytesAsync(Path.Combine(prefix, "www", "o", "pixel.gif"), Gif).ConfigureAwait(false);
        var port = FreePort();
        var config = Path.Combine(prefix, "nginx.conf");
        await File.WriteAllTextAsync(config, $$"""
            daemon off;
            worker_processes auto;
            pid {{prefix}}/nginx.pid;
            error_log {{prefix}}/logs/error.log warn;
            events { worker_connections 4096; }
            http {
                access_log off;
                client_body_temp_path {{prefix}}/body;
                proxy_temp_path {{prefix}}/proxy;
                fastcgi_temp_path {{prefix}}/fastcgi;
                uwsgi_temp_path {{prefix}}/uwsgi;
                scgi_temp_path {{prefix}}/scgi;
                keepalive_requests 1000000;
                server {
                    listen 127.0.0.1:{{port}};
                    root {{prefix}}/www;
                    location /o/ {
                        default_type image/gif;
                        try_files /o/pixel.gif =404;
                        add_header Cache-Control "no-store, no-cache, must-revalidate, private, max-age=0";
                        add_header Pragma no-cache;
                        etag off;
                        if_modified_since off;
                    }
                    location /c/ {
                        add_header Cache-Control "no-store, no-cache, must-revalidate, private, max-age=0";
                        return 302 https://shop.example.com/spring?utm_source=mail;
                    }
                }
            }
            """).ConfigureAwait(false);
        var process = Process.Start(new ProcessStartInfo(nginx, ["-p", prefix, "-c", config, "-e", Path.Combine(prefix, "logs", "error.log")])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        }) ?? throw new InvalidOperationException("nginx did not start.");
        var instance = new Nginx(process, port);
        using var client = new HttpClient();
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                using var response = await client.GetAsync(instance.PixelUrl).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    return instance;
                }
            }
            catch (HttpRequestException) when (attempt < 100 && !process.HasExited)
            {
                await Task.Delay(50).ConfigureAwait(false);
                continue;
            }

            throw new InvalidOperationException($"nginx did not serve {instance.PixelUrl}: {await process.StandardError.ReadToEndAsync().ConfigureAwait(false)}");
        }
    }

    /// <summary>CPU time (user + system) of the master and its workers so far, from /proc.</summary>
    public TimeSpan CpuTime()
    {
        var ticks = 0L;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                // After the command: state(0) ppid(1) ... utime(11) stime(12).
                if (pid == _process.Id || int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture) == _process.Id)
                {
                    ticks += long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture);
                }
            }
            catch (IOException)
            {
                // The process ended while the directory was read.
            }
        }

        return TimeSpan.FromSeconds(ticks / 100.0);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().ConfigureAwait(false);
        }

        _process.Dispose();
    }

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }
}
