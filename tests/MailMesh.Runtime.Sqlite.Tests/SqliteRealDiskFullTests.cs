using System.Diagnostics;
using MailMesh.Runtime.Storage;
using MailMesh.Testing;

namespace MailMesh.Runtime.Sqlite.Tests;

/// <summary>A real full disk: the database lives on a 1 MiB tmpfs next to a ballast file. Needs root (to mount);
/// skipped, saying why, where mounting is not allowed.</summary>
public sealed class SqliteRealDiskFullTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private bool _mounted;

    private string MountPoint => _directory.File("tmpfs");

    public void Dispose()
    {
        if (_mounted)
        {
            Run("umount", MountPoint);
        }

        _directory.Dispose();
    }

    private static (int ExitCode, string Output) Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardError.ReadToEnd() + process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output.Trim());
    }

    private void MountTinyDisk()
    {
        Skip.IfNot(OperatingSystem.IsLinux() && Environment.IsPrivilegedProcess, "mounting a 1 MiB tmpfs needs Linux and root");
        Directory.CreateDirectory(MountPoint);
        var (exitCode, output) = Run("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", MountPoint);
        Skip.If(exitCode != 0, $"mounting a tmpfs is not allowed here: {output}");
        _mounted = true;
    }

    private static EventDraft Event(string subject) => new(Guid.NewGuid(), "acme", "test.written", subject, DateTimeOffset.UnixEpoch, "{}");

    [SkippableFact]
    public async Task WriteAsync_DiskFull_ThrowsNamingTheFileWritesNothingAndRecoversWhenSpaceIsFreed()
    {
        MountTinyDisk();
        var ballast = Path.Combine(MountPoint, "ballast");
        await File.WriteAllBytesAsync(ballast, new byte[384 * 1024]);
        var path = Path.Combine(MountPoint, "mailmesh.db");
        var written = 0;
        StorageException? full = null;
        await using (var store = await SqliteStore.OpenAsync(SqliteBackend.Options(path)))
        {
            var storage = new SqliteGrainStorage(store);
            var payload = new byte[16 * 1024];
            for (var i = 0; i < 200 && full is null; i++)
            {
                try
                {
                    await storage.WriteAsync("s", GrainId.Create("T", $"acme/big-{i}"), payload, null, [Event($"acme/big-{i}")]);
                    written++;
                }
                catch (StorageException e)
                {
                    full = e;
                }
            }

            Assert.NotNull(full);
            Assert.True(full.IsTransient);
            Assert.Contains(path, full.Message, StringComparison.Ordinal);
            Assert.Contains("is full", full.Message, StringComparison.Ordinal);
            var failed = GrainId.Create("T", $"acme/big-{written}");
            Assert.Null(await storage.ReadAsync("s", failed));
            Assert.Equal(written, await new SqliteEventLog(store).GetLastSequenceAsync());
            Assert.Equal(payload, (await storage.ReadAsync("s", GrainId.Create("T", "acme/big-0")))!.Payload);

            File.Delete(ballast);

            var retried = await storage.WriteAsync("s", failed, payload, null, [Event(failed.Key)]);
            Assert.Equal([written + 1L], retried.EventSequences);
        }

        await using var reopened = await SqliteStore.OpenAsync(SqliteBackend.Options(path));
        var events = await new SqliteEventLog(reopened).ReadAsync(0, 1000);
        Assert.Equal(Enumerable.Range(1, written + 1).Select(n => (long)n), events.Select(e => e.Sequence));
    }
}
