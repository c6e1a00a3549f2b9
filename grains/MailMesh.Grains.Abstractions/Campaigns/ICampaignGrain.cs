using MailMesh.Runtime;

namespace MailMesh.Grains.Campaigns;

/// <summary>One campaign, keyed <c>tenant/campaign-id</c>: its definition, status machine and counters. It plans the
/// audience into the send log (SQL) and fans sending out to worker activations in batches, so it never holds the
/// recipients itself. Emits <c>campaign.scheduled|started|paused|resumed|completed|cancelled</c>.</summary>
public interface ICampaignGrain : IGrainWithStringKey
{
    /// <summary>Creates the campaign as a draft.</summary>
    /// <exception cref="ArgumentException">The definition is invalid (unknown time zone, bad window, …); the message says which part.</exception>
    /// <exception cref="InvalidOperationException">It exists already.</exception>
    Task<CampaignInfo> Create(CampaignDefinition definition);

    /// <summary>Replaces the definition of a draft.</summary>
    /// <exception cref="CampaignNotFoundException">It does not exist.</exception>
    /// <exception cref="CampaignStateException">It is not a draft.</exception>
    Task<CampaignInfo> Update(CampaignDefinition definition);

    /// <summary>Schedules a draft to start at <paramref name="startAt"/> (null: now). The template is snapshotted and
    /// checked, and the segment must exist.</summary>
    /// <exception cref="CampaignStateException">It is not a draft.</exception>
    /// <exception cref="ArgumentException">The template or segment is missing or invalid.</exception>
    Task<CampaignInfo> Schedule(DateTimeOffset? startAt);

    /// <summary>Pauses sending within seconds (in-flight messages finish). Idempotent.</summary>
    Task<CampaignInfo> Pause(string? reason);

    /// <summary>Resumes a paused campaign. Idempotent.</summary>
    Task<CampaignInfo> Resume();

    /// <summary>Cancels the campaign within seconds; unsent recipients become cancelled. Idempotent.</summary>
    Task<CampaignInfo> Cancel(string? reason);

    /// <summary>The campaign with fresh counters, or null.</summary>
    [ReadOnly]
    Task<CampaignInfo?> Get();
}

/// <summary>A tenant's campaigns, keyed <c>tenant/campaigns</c>.</summary>
public interface ICampaignDirectoryGrain : IGrainWithStringKey
{
    /// <summary>The tenant's campaign ids with their status, newest first.</summary>
    [ReadOnly]
    Task<IReadOnlyList<CampaignSummary>> List();

    /// <summary>Adds or replaces a campaign's entry (called by the campaign grain on every change).</summary>
    Task Put(CampaignSummary summary);
}

/// <summary>A campaign as listings show it.</summary>
[Immutable]
public sealed record CampaignSummary(string Id, string Name, CampaignStatus Status, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);
