using MailMesh.Runtime;

namespace MailMesh.Grains.Engagement;

/// <summary>The engagement history of one contact, keyed <c>tenant/engagement:normalized-address</c> (see
/// <see cref="EngagementKeys.Contact"/>): counts per day, the last hits, the score and status, which it writes to the contact grain with
/// <c>SetEngagement</c>. Emits <c>message.opened</c>, <c>message.clicked</c> and <c>form.submitted</c> with the
/// human/machine classification.</summary>
public interface IContactEngagementGrain : IGrainWithStringKey
{
    /// <summary>Records hits (opens and clicks) in order; hits whose id is already recorded are skipped.</summary>
    Task<RecordResult> Record(TrackedHits hits);

    /// <summary>Records a form submission (after the contact was updated): emits <c>form.submitted</c>.</summary>
    Task FormSubmitted(string formId, string campaignId, IReadOnlyList<string> fields, string? ip);

    /// <summary>Computes the score and status again for now (the periodic dormancy pass) and writes them to the contact;
    /// returns null when the contact has no engagement history.</summary>
    Task<EngagementSummary?> Rescore();

    /// <summary>The engagement, or null when nothing was recorded.</summary>
    [ReadOnly]
    Task<EngagementSummary?> Get();}

/// <summary>Keys of the engagement grains.</summary>
public static class EngagementKeys
{
    /// <summary>The key of <paramref name="address"/>'s engagement grain in <paramref name="tenant"/>.</summary>
    public static string Contact(string tenant, string address) => string.Concat(tenant, "/engagement:", address);

    /// <summary>The key of <paramref name="tenant"/>'s form directory.</summary>
    public static string Forms(string tenant) => tenant + "/forms";
}
