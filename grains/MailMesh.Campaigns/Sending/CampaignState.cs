using MailMesh.Grains.Campaigns;

namespace MailMesh.Campaigns.Sending;

/// <summary>A campaign's persistent state: definition, status machine, template snapshot and the planning cursor —
/// never its recipients (they are in the send log).</summary>
public sealed class CampaignState
{
    /// <summary>The definition (null before Create).</summary>
    public CampaignDefinition? Definition { get; set; }

    /// <summary>Status.</summary>
    public CampaignStatus Status { get; set; }

    /// <summary>Why it is paused or cancelled.</summary>
    public string? Reason { get; set; }

    /// <summary>When sending starts.</summary>
    public DateTimeOffset? ScheduledFor { get; set; }

    /// <summary>When sending started.</summary>
    public DateTimeOffset? StartedAt { get; set; }

    /// <summary>When it completed or was cancelled.</summary>
    public DateTimeOffset? FinishedAt { get; set; }

    /// <summary>The template as it was when scheduled.</summary>
    public TemplateDefinition? Template { get; set; }

    /// <summary>Worker shards (fixed when sending starts: it is part of every send record).</summary>
    public int Shards { get; set; }

    /// <summary>Whether recipients are sharded by domain (per-domain limits apply).</summary>
    public bool ShardByDomain { get; set; }

    /// <summary>When the tenant first sent from the sending domain.</summary>
    public DateTimeOffset SendingDomainSince { get; set; }

    /// <summary>The last segment member planned (the next page starts after it).</summary>
    public string? PlanCursor { get; set; }

    /// <summary>Whether the whole segment is in the send log.</summary>
    public bool Planned { get; set; }

    /// <summary>Grows with every resume (workers drop a reported problem for a new generation).</summary>
    public long Generation { get; set; }

    /// <summary>Creation time.</summary>
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>Last change.</summary>
    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>Grows with every change.</summary>
    public long Version { get; set; }
}

/// <summary>A campaign worker's persistent state: what this shard did (its events are written with it).</summary>
public sealed class CampaignWorkerState
{
    /// <summary>Messages the relay accepted.</summary>
    public long Sent { get; set; }

    /// <summary>Deferrals.</summary>
    public long Deferred { get; set; }

    /// <summary>Failures.</summary>
    public long Failed { get; set; }

    /// <summary>Recipients skipped as suppressed.</summary>
    public long Suppressed { get; set; }
}
