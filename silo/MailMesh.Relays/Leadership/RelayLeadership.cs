using MailMesh.Relays.Internal;
using MailMesh.Runtime.Cluster;
using MailMesh.Runtime.Storage;
using Microsoft.Extensions.Logging;

namespace MailMesh.Relays.Leadership;

/// <summary>Runs each relay on one silo of a cluster at a time. A silo takes the relay's lease (<c>relay:&lt;name&gt;</c>)
/// in the <see cref="ILeaseTable"/>, runs the relay while it renews the lease every
/// <see cref="RelayLeadershipOptions.RenewInterval"/>, and stops it as soon as a renewal says another silo holds the
/// lease, or when renewals have failed for so long that the lease could run out before the next try. The others try
/// to take the lease at the same interval, so one of them takes over at most
/// <see cref="RelayLeadershipOptions.LeaseDuration"/> after the holder died, and at once after it stopped gracefully
/// (it releases the lease). Without a lease table (one embedded silo) the relay simply runs.</summary>
public sealed class RelayLeadership
{
    private readonly ILeaseTable? _leases;
    private readonly RelayLeadershipOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    /// <summary>Creates the coordinator for silo <paramref name="holder"/>; <paramref name="leases"/> null runs every
    /// relay unconditionally.</summary>
    public RelayLeadership(ILeaseTable? leases, string holder, RelayLeadershipOptions options, TimeProvider time, ILogger<RelayLeadership> logger)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(holder);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        _leases = leases;
        Holder = holder;
        _options = options;
        _time = time;
        _logger = logger;
    }

    /// <summary>This silo's name in the lease table.</summary>
    public string Holder { get; }

    /// <summary>The lease name of a relay.</summary>
    public static string LeaseName(string relay) => "relay:" + relay;

    /// <summary>Runs <paramref name="work"/> whenever this silo holds the relay's lease, until
    /// <paramref name="stoppingToken"/> is cancelled. The token passed to <paramref name="work"/> is cancelled when the
    /// lease is lost; the work must then stop promptly (its durable position lets the next holder resume).</summary>
    public async Task RunAsync(string relay, Func<CancellationToken, Task> work, CancellationToken stoppingToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(relay);
        ArgumentNullException.ThrowIfNull(work);
        if (_leases is null)
        {
            RelayDiagnostics.SetLeader(relay, true);
            try
            {
                await work(stoppingToken).ConfigureAwait(false);
            }
            finally
            {
                RelayDiagnostics.SetLeader(relay, false);
            }

            return;
        }

        var name = LeaseName(relay);
        RelayDiagnostics.SetLeader(relay, false);
        while (!stoppingToken.IsCancellationRequested)
        {
            var asked = _time.GetTimestamp();
            bool held;
            try
            {
                held = await _leases.TryAcquireAsync(name, Holder, _options.LeaseDuration, stoppingToken).ConfigureAwait(false);
            }
            catch (StorageException e)
            {
                Log.LeaseFailed(_logger, name, e.Message, e);
                held = false;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }

            if (held)
            {
                await LeadAsync(relay, name, asked, work, stoppingToken).ConfigureAwait(false);
            }

            if (!await DelayAsync(_options.RenewInterval, stoppingToken).ConfigureAwait(false))
            {
                break;
            }
        }
    }

    /// <summary>Runs the work while renewing; returns once the lease is lost, the work ended or the host stops.</summary>
    private async Task LeadAsync(string relay, string name, long renewedAt, Func<CancellationToken, Task> work, CancellationToken stoppingToken)
    {
        Log.LeaseTaken(_logger, name, Holder);
        RelayDiagnostics.SetLeader(relay, true);
        using var lost = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var run = Task.Run(() => work(lost.Token), CancellationToken.None);
        var release = true;
        try
        {
            while (true)
            {
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                var delay = Task.Delay(_options.RenewInterval, _time, wait.Token);
                await Task.WhenAny(run, delay).ConfigureAwait(false);
                await wait.CancelAsync().ConfigureAwait(false);
                if (run.IsCompleted || stoppingToken.IsCancellationRequested)
                {
                    return;
                }

                var asked = _time.GetTimestamp();
                try
                {
                    if (await _leases!.TryAcquireAsync(name, Holder, _options.LeaseDuration, stoppingToken).ConfigureAwait(false))
                    {
                        renewedAt = asked;
                        continue;
                    }

                    Log.LeaseLost(_logger, name, Holder, "another silo holds it");
                    release = false;
                    return;
                }
                catch (StorageException e)
                {
                    // The lease ran from before the last successful request; give up while it is surely still ours.
                    var held = _time.GetElapsedTime(renewedAt);
                    if (held + _options.RenewInterval >= _options.LeaseDuration)
                    {
                        Log.LeaseLost(_logger, name, Holder, $"renewals failed for {held} ({e.Message})");
                        return;
                    }

                    Log.LeaseFailed(_logger, name, e.Message, e);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
        finally
        {
            RelayDiagnostics.SetLeader(relay, false);
            await lost.CancelAsync().ConfigureAwait(false);
            await StopWorkAsync(name, run).ConfigureAwait(false);
            if (release)
            {
                await ReleaseAsync(name).ConfigureAwait(false);
            }
        }
    }

    private async Task StopWorkAsync(string name, Task run)
    {
        try
        {
            await run.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The relay stopped because its token was cancelled.
        }
        catch (Exception e)
        {
            Log.RelayFailed(_logger, name, e);
        }
    }

    private async Task ReleaseAsync(string name)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5), _time);
            await _leases!.ReleaseAsync(name, Holder, timeout.Token).ConfigureAwait(false);
            Log.LeaseReleased(_logger, name, Holder);
        }
        catch (Exception e) when (e is StorageException or OperationCanceledException)
        {
            // The lease then runs out by itself; another silo takes over a little later.
            Log.LeaseFailed(_logger, name, e.Message, e);
        }
    }

    private async Task<bool> DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
