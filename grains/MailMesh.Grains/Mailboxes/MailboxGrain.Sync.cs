using MailMesh.Grains.Mailboxes.Sync;
using Microsoft.Extensions.Logging;

namespace MailMesh.Grains.Mailboxes;

/// <summary>Sync runs: started by <see cref="SyncNow"/>, the poll reminder or the IDLE watcher, and advanced one
/// bounded step per timer turn so other calls are served between steps. The durable poll reminder also carries
/// resumption: a run brings it forward to <see cref="MailboxSyncOptions.ResumeDelay"/> when it starts, and its end
/// sets it to the poll interval (or to the retry delay after a failure), so a run cut short by a silo crash or
/// restart resumes within that delay instead of at the next poll, and retries survive restarts.</summary>
public sealed partial class MailboxGrain
{
    private SyncRun? _run;
    private bool _runAgain;
    private IDisposable? _stepTimer;
    private ILogger? _logger;

    private ILogger Logger => _logger ??= RequireSync().LoggerFactory.CreateLogger<MailboxGrain>();

    /// <inheritdoc />
    public Task SyncNow()
    {
        RequireSync();
        if (syncState.State.Source is null)
        {
            throw new MailboxSourceNotConfiguredException($"Mailbox '{GrainKey}' has no source; call ConfigureSource first.");
        }

        if (_run is not null)
        {
            _runAgain = true;
            return Task.CompletedTask;
        }

        StartRun();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<MailboxSyncStatus> GetSyncStatus()
    {
        var s = syncState.State.Status;
        return Task.FromResult(new MailboxSyncStatus(
            syncState.State.Source is not null, _run is not null, s.LastSuccessAt, s.LastAttemptAt, s.MessageCount, syncState.State.Folders.Count,
            s.Runs, s.LastErrorKind, s.LastError, s.ConsecutiveFailures, s.NextRetryAt));
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<MailboxFolderInfo>> ListFolders()
    {
        IReadOnlyList<MailboxFolderInfo> folders = syncState.State.Folders.Values
            .OrderBy(f => f.Name, StringComparer.Ordinal)
            .Select(f => new MailboxFolderInfo(f.Id, f.Name, f.UidValidity, f.LastUid, f.HighestModSeq))
            .ToList();
        return Task.FromResult(folders);
    }

    private void StartRun()
    {
        _run = new SyncRun();
        syncState.State.Status.LastAttemptAt = TimeProvider.GetUtcNow();
        ScheduleStep();
    }

    private void ScheduleStep()
    {
        _stepTimer?.Dispose();
        _stepTimer = RegisterTimer(_ => StepTurnAsync(), TimeSpan.Zero, Timeout.InfiniteTimeSpan);
    }

    private async Task StepTurnAsync()
    {
        var run = _run;
        if (run is null)
        {
            return;
        }

        bool done;
        try
        {
            if (!run.ResumeArmed)
            {
                await ArmResumeAsync();
                run.ResumeArmed = true;
            }

            done = syncState.State.Source!.Protocol == SourceProtocol.Imap
                ? await ImapStepAsync(run, run.Cancellation.Token)
                : await Pop3StepAsync(run, run.Cancellation.Token);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            await FinishRunAsync(run, e);
            return;
        }

        if (done)
        {
            await FinishRunAsync(run, null);
        }
        else if (_run == run)
        {
            ScheduleStep();
        }
    }

    private async Task FinishRunAsync(SyncRun run, Exception? error)
    {
        if (_run != run)
        {
            return;
        }

        _run = null;
        await run.DisposeAsync();
        var services = RequireSync();
        var status = syncState.State.Status;
        var now = TimeProvider.GetUtcNow();
        status.Runs++;
        if (error is null)
        {
            status.LastSuccessAt = now;
            status.LastErrorKind = SyncErrorKind.None;
            status.LastError = null;
            status.ConsecutiveFailures = 0;
            status.NextRetryAt = null;
            status.MessageCount = await services.Index.CountAsync(GrainKey);
            await SweepOrphanBlobsIfDueAsync(now);
            RaiseEvent("mailbox.synced", GrainKey, new
            {
                received = run.New, flagsChanged = run.FlagChanges, expunged = run.Expunged, messages = status.MessageCount, qresyncFolders = run.QResyncFolders,
            });
            SyncLog.RunCompleted(Logger, GrainKey, run.New, run.FlagChanges, run.Expunged);
        }
        else
        {
            var (kind, message) = SourceConnector.Classify(error);
            status.LastErrorKind = kind;
            status.LastError = message;
            status.ConsecutiveFailures++;
            var delay = RetryDelay(services.Options, status.ConsecutiveFailures);
            status.NextRetryAt = now + delay;
            RaiseEvent(kind == SyncErrorKind.Auth ? "mailbox.auth_failed" : "mailbox.sync_failed", GrainKey,
                new { kind = kind.ToString().ToLowerInvariant(), error = message, attempt = status.ConsecutiveFailures, nextRetryAt = status.NextRetryAt });
            SyncLog.RunFailed(Logger, GrainKey, kind, message, status.NextRetryAt.Value);
        }

        await syncState.WriteStateAsync();
        if (syncState.State.Source is { } source)
        {
            // The next poll, or the retry: durable, so a restart neither loses a retry nor waits longer than asked.
            var due = status.NextRetryAt is { } retryAt ? retryAt - now : source.PollInterval;
            await RegisterOrUpdateReminderAsync(PollReminder, due < MinPollInterval ? MinPollInterval : due, source.PollInterval);
        }

        var snapshot = await GetSyncStatus();
        foreach (var observer in services.Observers)
        {
            observer.RunCompleted(GrainKey, snapshot);
        }

        if (_runAgain && syncState.State.Source is not null)
        {
            _runAgain = false;
            StartRun();
        }
    }

    /// <summary>Brings the poll reminder forward for the run just started: should the silo stop before the run ends,
    /// the reminder (loaded again at start) resumes it within <see cref="MailboxSyncOptions.ResumeDelay"/>.</summary>
    private async Task ArmResumeAsync()
    {
        var source = syncState.State.Source!;
        var resume = RequireSync().Options.ResumeDelay;
        await RegisterOrUpdateReminderAsync(PollReminder, resume < source.PollInterval ? resume : source.PollInterval, source.PollInterval);
    }

    /// <summary>Exponential backoff with ±20% jitter, capped.</summary>
    internal static TimeSpan RetryDelay(MailboxSyncOptions options, int failures)
    {
        var exponent = Math.Min(failures - 1, 20);
        var raw = Math.Min(options.RetryBaseDelay.TotalMilliseconds * Math.Pow(2, exponent), options.RetryMaxDelay.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(raw * (0.8 + (0.4 * Random.Shared.NextDouble())));
    }

    private async Task StopSyncAsync()
    {
        _stepTimer?.Dispose();
        _stepTimer = null;
        await StopIdleWatcherAsync();
        if (_run is { } run)
        {
            _run = null;
            await run.DisposeAsync();
        }
    }
}
