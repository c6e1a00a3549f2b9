using MailMesh.Grains.Mailboxes.Sync;

namespace MailMesh.Grains.Mailboxes;

/// <summary>The IDLE watcher: a background loop per activation that holds its own IMAP connection idling on the
/// inbox and, when the server reports a change, calls this grain's <see cref="SyncNow"/> like any client would.</summary>
public sealed partial class MailboxGrain
{
    private ImapIdleWatcher? _idle;

    private void StartIdleWatcher()
    {
        var source = syncState.State.Source;
        if (sync is null || _idle is not null || source is null || source.Protocol != SourceProtocol.Imap || !source.UseIdle
            || !FolderFilter.Matches(source.Folders, "INBOX"))
        {
            return;
        }

        var self = GrainFactory.GetGrain<IMailboxGrain>(GrainKey);
        _idle = ImapIdleWatcher.Start(source, GrainKey, sync, () => self.SyncNow());
    }

    private async Task StopIdleWatcherAsync()
    {
        if (_idle is { } idle)
        {
            _idle = null;
            await idle.DisposeAsync();
        }
    }

    private async Task RestartIdleWatcherAsync()
    {
        await StopIdleWatcherAsync();
        StartIdleWatcher();
    }
}
