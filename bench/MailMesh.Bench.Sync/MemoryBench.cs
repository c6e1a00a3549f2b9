using System.Text;
using MailMesh.Blobs;
using MailMesh.Grains.Mailboxes.Sync;
using Microsoft.Extensions.DependencyInjection;

namespace MailMesh.Bench.Sync;

/// <summary>How much syncing one message with a large attachment adds to the process's peak working set (Linux
/// VmHWM, reset through /proc/self/clear_refs just before the run). Run it as its own process: nothing else in the
/// process may have touched that much memory first.</summary>
internal static class MemoryBench
{
    public static async Task<int> RunAsync(BenchServer server, int attachmentMegabytes)
    {
        var folder = "mmbench-mem-" + Guid.NewGuid().ToString("N")[..8];
        var maildir = server.MaildirOf(server.User, folder);
        var work = Directory.CreateTempSubdirectory("mailmesh-bench-memory-").FullName;
        try
        {
            // A small message first, synced untimed, so code paths are compiled and pools exist before measuring.
            BenchServer.LoadMaildir(maildir, 1, 1);
            await using var silo = await BenchSilo.StartAsync(Path.Combine(work, "silo"));
            var (warm, _) = await silo.InitialSyncAsync("bench/memory", ImapSyncBench.Source(server, folder));
            BenchSilo.Check(warm, 1);

            var size = WriteLargeMessage(Path.Combine(maildir, "new", "1795300001.M0P1.bigattachment"), attachmentMegabytes);
            BenchServer.Chown(maildir);
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
            ResetPeak();
            var before = Read("VmHWM");
            var (status, elapsed) = await silo.SyncAsync("bench/memory");
            var after = Read("VmHWM");
            BenchSilo.Check(status, 2);

            var row = (await silo.Services.GetRequiredService<IMessageIndex>().ListAsync("bench/memory")).Single(r => r.Size > 1024 * 1024);
            var stored = await silo.Services.GetRequiredService<IBlobStore>().GetPropertiesAsync(row.BlobName)
                ?? throw new InvalidOperationException("The large message's blob is missing.");
            if (stored.Length != size)
            {
                throw new InvalidOperationException($"The stored blob has {stored.Length} bytes; the message has {size}.");
            }

            var added = (after - before) / 1024.0;
            Console.WriteLine($"message with a {attachmentMegabytes} MB attachment: {size / 1024.0 / 1024.0:0.0} MB on the wire, synced in {elapsed.TotalSeconds:0.00} s");
            Console.WriteLine($"peak working set: {before / 1024.0:0.0} MB before, {after / 1024.0:0.0} MB peak during the run; added {added:0.0} MB (target < 20 MB); {BenchServer.Load()}");
            return added < 20 ? 0 : 1;
        }
        finally
        {
            await using (var cleanup = await server.ConnectAsync())
            {
                await cleanup.DeleteMailboxAsync(folder);
            }

            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>Writes a multipart message whose attachment is <paramref name="megabytes"/> MB of random bytes in
    /// base64, line by line (never held whole); returns its size.</summary>
    private static long WriteLargeMessage(string path, int megabytes)
    {
        using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024);
        var head = Encoding.ASCII.GetBytes(
            "From: Bench <bench@example.test>\r\nTo: alice@example.test\r\nSubject: large attachment\r\nDate: Sun, 22 Nov 2026 10:00:00 +0000\r\n" +
            "Message-ID: <bench.large@example.test>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n" +
            "--b1\r\nContent-Type: text/plain\r\n\r\nSee the attachment.\r\n--b1\r\nContent-Type: application/octet-stream\r\n" +
            "Content-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=\"data.bin\"\r\n\r\n");
        file.Write(head);
        var raw = new byte[57];
        var chars = new char[76];
        var line = new byte[78];
        var random = new Random(42);
        for (long written = 0; written < megabytes * 1024L * 1024L; written += raw.Length)
        {
            random.NextBytes(raw);
            Convert.TryToBase64Chars(raw, chars, out _);
            Encoding.ASCII.GetBytes(chars, line);
            line[76] = (byte)'\r';
            line[77] = (byte)'\n';
            file.Write(line);
        }

        file.Write("--b1--\r\n"u8);
        return file.Length;
    }

    private static void ResetPeak()
    {
        // Writing 5 to clear_refs resets the peak resident set size (VmHWM) to the current one (Linux 4.0+).
        File.WriteAllText("/proc/self/clear_refs", "5");
    }

    /// <summary>A /proc/self/status value in KB.</summary>
    private static long Read(string field)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
            {
                return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidOperationException($"/proc/self/status has no {field}; the memory bench needs Linux.");
    }
}
