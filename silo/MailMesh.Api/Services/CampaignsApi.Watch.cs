using MailMesh.Api.V1;
using MailMesh.Grpc;
using G = MailMesh.Grains.Campaigns;

namespace MailMesh.Api.Services;

/// <summary><c>WatchProgress</c>: the campaign is read from its grain every interval and written when its status or
/// counters changed; the stream ends after the completed or cancelled state is written.</summary>
internal sealed partial class CampaignsApi
{
    private static readonly TimeSpan DefaultWatchInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MinWatchInterval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxWatchInterval = TimeSpan.FromSeconds(60);

    private async Task WatchProgress(WatchCampaignProgressRequest request, IServerStreamWriter<Campaign> responses, ServerCallContext context)
    {
        var caller = await CallerAsync(context, ApiScopes.CampaignsRead).ConfigureAwait(false);
        var id = CheckId(request.Id);
        var interval = DefaultWatchInterval;
        if (request.Interval is { } given)
        {
            interval = given.ToTimeSpan();
            if (interval < MinWatchInterval || interval > MaxWatchInterval)
            {
                throw new InvalidArgumentException("interval", $"must be {MinWatchInterval.TotalMilliseconds:0} ms to {MaxWatchInterval.TotalSeconds:0} s, not {interval}");
            }
        }

        var campaign = Grain(caller.Tenant, id);
        var ct = context.CancellationToken;
        G.CampaignInfo? last = null;
        while (true)
        {
            var current = await Call(campaign.Get).ConfigureAwait(false)
                ?? throw new RpcException(StatusCode.NotFound, last is null ? $"campaign '{id}' does not exist" : $"campaign '{id}' was removed");
            if (last is null || Changed(last, current))
            {
                await responses.WriteAsync(ToProto(current), ct).ConfigureAwait(false);
                last = current;
            }

            if (current.Status is G.CampaignStatus.Completed or G.CampaignStatus.Cancelled)
            {
                return;
            }

            try
            {
                await Task.Delay(interval, time, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                // The caller went away; nothing more to write.
                return;
            }
        }
    }

    private static bool Changed(G.CampaignInfo before, G.CampaignInfo now) =>
        before.Version != now.Version || before.Status != now.Status || before.Progress != now.Progress || before.StatusReason != now.StatusReason;
}
