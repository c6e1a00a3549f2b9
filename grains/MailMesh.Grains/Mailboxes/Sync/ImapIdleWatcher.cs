using MailMesh.Protocols.Imap;
using Microsoft.Extensions.Logging;

namespace MailMesh.Grains.Mailboxes.Sync;

/// <summary>Idles on the inbox of a source and calls a trigger when the server reports a change. Runs outside
/// the grain's turns; reconnects with backoff after failures (polling keeps working meanwhile).</summary>
internal sealed class ImapIdleWatcher : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly SourceConfig _source;
    private readonly string _mailbox;
    private readonly MailboxSyncServices _services;
    private readonly Func<Task> _trigger;
    private readonly ILogger _logger;
    private Task _loop = Task.CompletedTask;

    private ImapIdleWatcher(SourceConfig source, string mailbox, MailboxSyncServices services, Func<Task> trigger)
    {
        _source = source;
        _mailbox = mailbox;
        _services = services;
        _trigger = trigger;
        _logger = services.LoggerFactory.CreateLogger<ImapIdleWatcher>();
    }

    public static ImapIdleWatcher Start(SourceConfig source, string mailbox, MailboxSyncServices services, Func<Task> trigger)
    {
        var watcher = new ImapIdleWatcher(source, mailbox, services, trigger);
        watcher._loop = Task.Run(watcher.RunAsync);
        return watcher;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopping is the expected way out of the loop.
        }

        _stop.Dispose();
    }

    private async Task RunAsync()
    {
        var failures = 0;
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await IdleSessionAsync(_stop.Token).ConfigureAwait(false);
                failures = 0;
            }
            catch (Exception e) when (e is not OperationCanceledException || !_stop.IsCancellationRequested)
            {
                failures++;
                SyncLog.IdleStopped(_logger, _mailbox, SourceConnector.Classify(e).Message);
                var delay = TimeSpan.FromMilliseconds(Math.Min(1000 * Math.Pow(2, Math.Min(failures, 10)), 300_000) * (0.8 + (0.4 * Random.Shared.NextDouble())));
                await Task.Delay(delay, _stop.Token).ConfigureAwait(false);
            }
        }
    }

    private async Task IdleSessionAsync(CancellationToken stop)
    {
        await using var client = await SourceConnector.ConnectImapAsync(_source, _mailbox, _services, stop).ConfigureAwait(false);
        if (!client.Capabilities.Idle)
        {
            // No IDLE on this server: polling by reminder is all there is; stay out of the way until disposed.
            await Task.Delay(Timeout.Infinite, stop).ConfigureAwait(false);
            return;
        }

        await client.ExamineAsync("INBOX", cancellationToken: stop).ConfigureAwait(false);
        while (!stop.IsCancellationRequested)
        {
            using var changed = new CancellationTokenSource();
            void OnChanged(object? sender, ImapMailboxEventArgs e) => changed.Cancel();
            void OnState(object? sender, ImapSessionState state)
            {
                if (state == ImapSessionState.Idle)
                {
                    foreach (var observer in _services.Observers)
                    {
                        observer.IdleStarted(_mailbox);
                    }
                }
            }

            client.MailboxChanged += OnChanged;
            client.StateChanged += OnState;
            try
            {
                await client.IdleAsync(changed.Token, stop).ConfigureAwait(false);
            }
            finally
            {
                client.MailboxChanged -= OnChanged;
                client.StateChanged -= OnState;
            }

            if (changed.IsCancellationRequested)
            {
                await _trigger().ConfigureAwait(false);
            }
        }
    }
}
