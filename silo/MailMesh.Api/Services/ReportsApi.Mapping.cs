using MailMesh.Api.V1;
using G = MailMesh.Grains.Engagement;
using ProtoTimestamp = Google.Protobuf.WellKnownTypes.Timestamp;

namespace MailMesh.Api.Services;

internal sealed partial class ReportsApi
{
    internal static Report ToProto(G.CampaignReport r)
    {
        var d = r.Delivery;
        var reply = new Report
        {
            CampaignId = r.CampaignId ?? "",
            CampaignName = r.CampaignName ?? "",
            CampaignStatus = r.CampaignStatus ?? "",
            Segment = r.Segment ?? "",
            GeneratedAt = ProtoTimestamp.FromDateTimeOffset(r.GeneratedAt),
            Delivery = new ReportDelivery
            {
                Recipients = d.Recipients, Queued = d.Queued, Sending = d.Sending, Sent = d.Sent, Deferred = d.Deferred, DeferredOnce = d.DeferredOnce,
                Failed = d.Failed, Suppressed = d.Suppressed, Cancelled = d.Cancelled, Delivered = d.Delivered, Bounced = d.Bounced,
                HardBounced = d.HardBounced, SoftBounced = d.SoftBounced,
            },
            Opens = ToProto(r.Opens),
            Clicks = ToProto(r.Clicks),
            HumanEngaged = r.HumanEngaged,
            Unsubscribes = r.Unsubscribes,
            Complaints = r.Complaints,
            Rates = new ReportRates(),
            HourlyTruncated = r.HourlyTruncated,
        };
        if (r.SegmentMembers is { } members)
        {
            reply.SegmentMembers = members;
        }

        SetRates(reply.Rates, r);
        reply.Links.AddRange(r.Links.Select(l => new ReportLink { Index = l.Index, Url = l.Url ?? "", Clicks = ToProto(l.Clicks) }));
        reply.Hourly.AddRange(r.Hourly.Select(h => new ReportHour
        {
            Hour = ProtoTimestamp.FromDateTimeOffset(h.Hour), Sent = h.Sent, Opens = h.Opens, HumanOpens = h.HumanOpens, Clicks = h.Clicks,
            HumanClicks = h.HumanClicks, Bounces = h.Bounces, Unsubscribes = h.Unsubscribes, Complaints = h.Complaints,
        }));
        return reply;
    }

    private static void SetRates(ReportRates rates, G.CampaignReport r)
    {
        // Optional fields: a rate without a denominator stays absent rather than 0.
        foreach (var (value, set) in new (double?, Action<double>)[]
        {
            (r.DeliveryRate, v => rates.Delivery = v), (r.OpenRate, v => rates.Open = v), (r.ClickRate, v => rates.Click = v),
            (r.ClickToOpenRate, v => rates.ClickToOpen = v), (r.BounceRate, v => rates.Bounce = v), (r.UnsubscribeRate, v => rates.Unsubscribe = v),
            (r.ComplaintRate, v => rates.Complaint = v),
        })
        {
            if (value is { } rate)
            {
                set(rate);
            }
        }
    }

    private static ReportHits ToProto(G.ReportHits h) =>
        new() { Raw = h.Raw, Human = h.Human, Unique = h.Unique, UniqueHuman = h.UniqueHuman };
}
