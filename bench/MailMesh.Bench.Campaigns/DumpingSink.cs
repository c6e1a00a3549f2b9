using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace MailMesh.Bench.Campaigns;

/// <summary>A Postfix smtp-sink of the bench's own that appends every transaction to one dump file (<c>-D</c>), so the
/// run can check what the sink received: each dumped transaction carries an <c>X-Rcpt-Args:</c> line per recipient.
/// Both the campaign and smtp-source send into it, so the dump's cost is in both rates.</summary>
internal sealed class DumpingSink : IDisposable
{
    private const string RecipientLine = "X-Rcpt-Args: ";

    private readonly Process _process;
    private readonly DirectoryInfo _directory;

    private DumpingSink(Process process, DirectoryInfo directory, int port)
    {
        _process = process;
        _directory = directory;
        Port = port;
    }

    public int Port { get; }

    public string DumpPath => Path.Combine(_directory.FullName, "dump");

    /// <summary>Bytes dumped so far (the offset where the next transaction will start).</summary>
    public long DumpLength => File.Exists(DumpPath) ? new FileInfo(DumpPath).Length : 0;

    public static async Task<DumpingSink> StartAsync()
    {
        var directory = Directory.CreateTempSubdirectory("mailmesh-bench-sink-");
        // smtp-sink drops privileges to nobody when started as root: the dump directory must be theirs to write.
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(directory.FullName, (UnixFileMode)0b111_111_111);
        }

        var port = FreePort();
        var start = new ProcessStartInfo("/usr/sbin/smtp-sink") { RedirectStandardError = true, RedirectStandardOutput = true };
        if (Environment.UserName == "root")
        {
            start.ArgumentList.Add("-u");
            start.ArgumentList.Add("nobody");
        }

        foreach (var argument in new[] { "-D", Path.Combine(directory.FullName, "dump"), $"127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}", "256" })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("smtp-sink did not start.");
        var sink = new DumpingSink(process, directory, port);
        for (var i = 0; i < 100 && !await CampaignBench.IsOpenAsync("127.0.0.1", port); i++)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"smtp-sink exited with {process.ExitCode}: {await process.StandardError.ReadToEndAsync()}");
            }

            await Task.Delay(50);
        }

        return sink;
    }

    /// <summary>The recipients of the transactions dumped from <paramref name="offset"/> on, each with how many messages it got.</summary>
    public Dictionary<string, int> RecipientsFrom(long offset)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        using var stream = new FileStream(DumpPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 20);
        stream.Seek(offset, SeekOrigin.Begin);
        using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, 1 << 20);
        while (reader.ReadLine() is { } line)
        {
            if (line.StartsWith(RecipientLine, StringComparison.Ordinal))
            {
                // "TO:<address> NOTIFY=..." → address
                var args = line.AsSpan(RecipientLine.Length);
                var open = args.IndexOf('<');
                var close = args.IndexOf('>');
                var address = open >= 0 && close > open ? args[(open + 1)..close].ToString() : args.ToString();
                counts[address] = counts.GetValueOrDefault(address) + 1;
            }
        }

        return counts;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }

        _process.Dispose();
        _directory.Delete(recursive: true);
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
