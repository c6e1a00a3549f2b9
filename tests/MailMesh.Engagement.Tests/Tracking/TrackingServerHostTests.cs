using MailMesh.Engagement.Tracking;
using MailMesh.Testing;

namespace MailMesh.Engagement.Tests.Tracking;

/// <summary>The tracking listener's host watches no directory. A host's default (its content root in the working
/// directory, configuration reloaded on change) watched the whole tree under the working directory, recursively, and
/// every write of the silo's stores there woke a watcher thread.</summary>
public sealed class TrackingServerHostTests
{
    [SkippableFact]
    public async Task StartAsync_AnyWorkingDirectory_AddsNoFileWatch()
    {
        Skip.IfNot(Directory.Exists("/proc/self/fdinfo"), "the process's inotify watches are read from /proc/self/fdinfo, which this system has not");
        await using var silo = await TrackingSilo.StartAsync(listen: false);
        var before = InotifyWatches();

        await using var server = await TrackingServer.StartAsync(silo.Silo.Services, "http://127.0.0.1:0");

        var added = InotifyWatches() - before;
        Assert.True(added <= 0, $"starting the tracking server added {added} inotify watches (working directory {Environment.CurrentDirectory}).");
    }

    // One "inotify wd:… ino:… sdev:…" line per watch in the fdinfo of each inotify descriptor.
    private static int InotifyWatches()
    {
        var watches = 0;
        foreach (var info in Directory.EnumerateFiles("/proc/self/fdinfo"))
        {
            try
            {
                watches += File.ReadLines(info).Count(line => line.StartsWith("inotify ", StringComparison.Ordinal));
            }
            catch (IOException)
            {
                // The descriptor was closed meanwhile.
            }
        }

        return watches;
    }
}
