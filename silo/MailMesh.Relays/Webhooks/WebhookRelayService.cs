using MailMesh.Relays.Internal;
using MailMesh.Relays.Leadership;
using MailMesh.Runtime;
using MailMesh.Runtime.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MailMesh.Relays.Webhooks;

/// <summary>Runs one <see cref="WebhookSubscriptionWorker"/> per subscription, re-reading the subscriptions every
/// <see cref="WebhookRelayOptions.RefreshInterval"/> and whenever this silo's API changed them.</summary>
internal sealed class WebhookRelayService(
    IGrainFactory grains, IEventLog log, WebhookSender sender, WebhookChanges changes, IOptions<RelayOptions> options,
    RelayLeadership leadership, TimeProvider time, ILogger<WebhookRelayService> logger) : BackgroundService
{
    /// <summary>The relay's name (metrics label, lease <c>relay:webhook</c>).</summary>
    public const string RelayName = "webhook";

    private readonly Dictionary<string, (WebhookSubscriptionWorker Worker, CancellationTokenSource Stop, Task Run)> _workers = [];

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => leadership.RunAsync(RelayName, RunAsync, stoppingToken);

    /// <summary>Delivers while this silo holds the relay's lease; every worker stops when <paramref name="stoppingToken"/> fires.</summary>
    private async Task RunAsync(CancellationToken stoppingToken)
    {
        _workers.Clear();
        var settings = options.Value.Webhooks;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var changed = changes.Next;
                try
                {
                    await RefreshAsync(settings, stoppingToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    Log.WebhookRefreshFailed(logger, e);
                }

                await Task.WhenAny(changed, Task.Delay(settings.RefreshInterval, time, stoppingToken)).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
        finally
        {
            foreach (var (_, stop, _) in _workers.Values)
            {
                await stop.CancelAsync().ConfigureAwait(false);
            }

            await Task.WhenAll(_workers.Values.Select(w => w.Run)).ConfigureAwait(false);
            foreach (var (_, stop, _) in _workers.Values)
            {
                stop.Dispose();
            }

            _workers.Clear();
        }
    }

    private async Task RefreshAsync(WebhookRelayOptions settings, CancellationToken stoppingToken)
    {
        var current = new Dictionary<string, WebhookSubscriptionInfo>();
        foreach (var tenant in await grains.GetGrain<IWebhookDirectoryGrain>(IWebhookDirectoryGrain.Key).List().ConfigureAwait(false))
        {
            foreach (var subscription in await grains.GetGrain<IWebhookSubscriptionsGrain>(WebhookSubscriptionsGrain.KeyFor(tenant)).List().ConfigureAwait(false))
            {
                current[subscription.Tenant + "/" + subscription.Id] = subscription;
            }
        }

        foreach (var key in _workers.Keys.Where(k => !current.ContainsKey(k)).ToList())
        {
            var (_, stop, run) = _workers[key];
            _workers.Remove(key);
            await stop.CancelAsync().ConfigureAwait(false);
            await run.ConfigureAwait(false);
            stop.Dispose();
        }

        foreach (var (key, subscription) in current)
        {
            if (_workers.ContainsKey(key))
            {
                continue;
            }

            var stop = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            var worker = new WebhookSubscriptionWorker(subscription, grains, log, sender, settings, time, logger);
            _workers[key] = (worker, stop, Task.Run(() => worker.RunAsync(stop.Token), CancellationToken.None));
            Log.WebhookWorkerStarted(logger, subscription.Id, subscription.Tenant, WebhookUrl.Redact(subscription.Url), subscription.Position);
        }
    }
}
