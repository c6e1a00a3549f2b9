using MailMesh.Grains.Campaigns;
using MailMesh.Runtime;

namespace MailMesh.Campaigns.Sending;

/// <summary>A tenant's campaigns as listings show them (each campaign grain puts its summary on every change).</summary>
public sealed class CampaignDirectoryGrain([PersistentState("campaigns")] IPersistentState<CampaignDirectoryState> state) : Grain, ICampaignDirectoryGrain
{
    /// <summary>The grain's key for <paramref name="tenant"/>.</summary>
    public static string KeyFor(string tenant) => tenant + "/campaigns";

    /// <inheritdoc />
    public Task<IReadOnlyList<CampaignSummary>> List() =>
        Task.FromResult<IReadOnlyList<CampaignSummary>>(state.State.Campaigns.Values.OrderByDescending(c => c.CreatedAt).ThenBy(c => c.Id, StringComparer.Ordinal).ToArray());

    /// <inheritdoc />
    public async Task Put(CampaignSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        if (state.State.Campaigns.TryGetValue(summary.Id, out var existing) && existing == summary)
        {
            return;
        }

        state.State.Campaigns[summary.Id] = summary;
        await state.WriteStateAsync();
    }
}

/// <summary>The campaign directory's state.</summary>
public sealed class CampaignDirectoryState
{
    /// <summary>Summaries by campaign id.</summary>
    public Dictionary<string, CampaignSummary> Campaigns { get; set; } = new(StringComparer.Ordinal);
}
