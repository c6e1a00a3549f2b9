using MailMesh.Runtime;

namespace MailMesh.Grains.Campaigns;

/// <summary>One sending shard of a campaign, keyed <c>tenant/campaign-id/shard-n</c>: claims its due records from the send
/// log in batches, re-checks each contact, composes, records <see cref="SendStatus.Sending"/> and only then hands the
/// message to the relay. Driven by the campaign grain (calls go one way only: campaign → worker). Emits
/// <c>message.sent|deferred|failed</c>.</summary>
public interface ICampaignWorkerGrain : IGrainWithStringKey
{
    /// <summary>Starts (or keeps) sending <paramref name="work"/>; a new generation (a resume) clears a reported problem.
    /// Interleaves with a running batch (it only reads and arms), so the campaign is never held up by a batch.</summary>
    [AlwaysInterleave]
    Task<CampaignWorkerReport> Run(CampaignWork work);

    /// <summary>Stops sending after the batch in flight (it interleaves with a running batch: the records that batch
    /// claimed are sent and recorded, no new batch is claimed); returns once stopped.</summary>
    [AlwaysInterleave]
    Task Stop();
}

/// <summary>What a worker sends.</summary>
/// <param name="Tenant">The tenant.</param>
/// <param name="CampaignId">The campaign.</param>
/// <param name="Definition">The campaign's definition.</param>
/// <param name="Template">The template snapshot taken when the campaign was scheduled.</param>
/// <param name="Shard">This worker's shard.</param>
/// <param name="Shards">How many shards the campaign has.</param>
/// <param name="SendingDomainSince">When the tenant first sent from the campaign's sending domain (slow start).</param>
/// <param name="Generation">Grows with every resume.</param>
[Immutable]
public sealed record CampaignWork(
    string Tenant, string CampaignId, CampaignDefinition Definition, TemplateDefinition Template, int Shard, int Shards,
    DateTimeOffset SendingDomainSince, long Generation);

/// <summary>A worker's answer to <see cref="ICampaignWorkerGrain.Run"/>.</summary>
/// <param name="Running">Whether it is sending (or waiting for due records).</param>
/// <param name="Problem">Why it stopped by itself (the campaign pauses with this reason), or null.</param>
/// <param name="Busy">Whether a batch is running (its claimed messages may be in flight).</param>
[Immutable]
public sealed record CampaignWorkerReport(bool Running, string? Problem, bool Busy);
