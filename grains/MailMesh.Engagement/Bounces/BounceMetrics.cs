using System.Diagnostics.Metrics;
using MailMesh.Grains.Engagement;

namespace MailMesh.Engagement.Bounces;

/// <summary>Bounce processing metrics (meter <c>MailMesh.Engagement.Bounces</c>). Labels are bounded: never a tenant,
/// campaign or address.</summary>
/// <remarks>
/// <list type="bullet">
/// <item><c>mailmesh.bounces</c> {notification} [kind = hard | soft | complaint | auto_reply | delivered | unclassified,
/// source = mailbox | webhook | other (a returned message handed in by another path)]: bounce notifications received. A returned message read from a bounce mailbox counts once,
/// by its classification; a provider webhook event counts when it is recorded on a contact's ledger (events naming no
/// usable address go to the review list instead).</item>
/// <item><c>mailmesh.bounce.suppressions</c> {contact} [kind = hard | soft | complaint]: contacts suppressed (or, for a
/// complaint, unsubscribed) by a notice: a hard bounce, a complaint, or the soft bounce that reached the limit.</item>
/// <item><c>mailmesh.bounce.duplicates</c> {notice}: notices recorded before (the same message or event seen again).</item>
/// </list>
/// </remarks>
public static class BounceMetrics
{
    /// <summary>The meter's name.</summary>
    public const string Name = "MailMesh.Engagement.Bounces";

    private static readonly Meter Meter = new(Name);

    private static readonly Counter<long> Bounces = Meter.CreateCounter<long>(
        "mailmesh.bounces", "{notification}", "Bounce notifications received, by kind and source (mailbox, webhook).");

    private static readonly Counter<long> Suppressions = Meter.CreateCounter<long>(
        "mailmesh.bounce.suppressions", "{contact}", "Contacts suppressed or unsubscribed by a bounce or complaint notice, by kind.");

    private static readonly Counter<long> Duplicates = Meter.CreateCounter<long>(
        "mailmesh.bounce.duplicates", "{notice}", "Bounce notices that had been recorded before.");

    /// <summary>Counts a returned message that arrived through <paramref name="source"/> (<c>mailbox:…</c>), by its
    /// classification.</summary>
    public static void Classified(BounceKind kind, string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (Bounces.Enabled)
        {
            Bounces.Add(1, new KeyValuePair<string, object?>("kind", KindLabel(kind)),
                new KeyValuePair<string, object?>("source", source.StartsWith("mailbox:", StringComparison.Ordinal) ? "mailbox" : "other"));
        }
    }

    /// <summary>Counts what recording <paramref name="notice"/> did. Notices from returned messages were counted when the
    /// message was classified; only provider webhook events count as received here.</summary>
    public static void Recorded(BounceNotice notice, BounceOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(notice);
        ArgumentNullException.ThrowIfNull(outcome);
        var kind = new KeyValuePair<string, object?>("kind", KindLabel(notice.Kind));
        if (notice.Source == "webhook" && Bounces.Enabled)
        {
            Bounces.Add(1, kind, new KeyValuePair<string, object?>("source", "webhook"));
        }

        if (outcome.Duplicate)
        {
            Duplicates.Add(1);
        }
        else if (outcome.Suppressed || outcome.Unsubscribed)
        {
            Suppressions.Add(1, kind);
        }
    }

    /// <summary>The kind label of a bounce kind.</summary>
    public static string KindLabel(BounceKind kind) => kind switch
    {
        BounceKind.HardBounce => "hard",
        BounceKind.SoftBounce => "soft",
        BounceKind.Complaint => "complaint",
        BounceKind.AutoReply => "auto_reply",
        BounceKind.Delivered => "delivered",
        _ => "unclassified",
    };
}
