namespace MailMesh.Grains.Effects;

/// <summary>
/// The external side effects (IMAP MOVE, SMTP sends, …) a grain started or finished, by key, kept in the grain's own
/// state so that a turn the fabric runs again after a crash (a redelivery) finds what the first run did
/// (docs/adr/cluster-04-side-effect-records.md). A record is written <em>before</em> the effect by
/// <see cref="SideEffects.WriteLogAsync{TState}"/> and completed in the turn's own final state write.
/// </summary>
public sealed class SideEffectLog
{
    /// <summary>How long a record is kept: far longer than any redelivery or client retry of the same request.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(7);

    /// <summary>Most records kept; the oldest go first beyond it.</summary>
    public const int MaxRecords = 5_000;

    /// <summary>The records by key (<see cref="SideEffects.KeyFor"/>).</summary>
    public Dictionary<string, SideEffectRecord> Records { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The record of <paramref name="key"/>, or null when the effect was never started (or was refused).</summary>
    public SideEffectRecord? Find(string key) => Records.GetValueOrDefault(key);

    /// <summary>Adds a started record (not yet stored: the caller writes it before the effect).</summary>
    public SideEffectRecord Start(string key, string effect, DateTimeOffset now)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentException.ThrowIfNullOrEmpty(effect);
        if (Records.TryGetValue(key, out var existing))
        {
            throw new InvalidOperationException($"The side effect '{key}' ({existing.Effect}) was already started at {existing.StartedAt:O}; settle it before starting it again.");
        }

        Prune(now);
        var record = new SideEffectRecord { Effect = effect, StartedAt = now };
        Records[key] = record;
        return record;
    }

    /// <summary>Marks <paramref name="key"/> done with what the peer answered (stored with the turn's next write).</summary>
    public void Complete(string key, string? outcome, DateTimeOffset now)
    {
        var record = Records.GetValueOrDefault(key)
            ?? throw new InvalidOperationException($"The side effect '{key}' was never started; start it before completing it.");
        record.DoneAt = now;
        record.Outcome = outcome;
    }

    /// <summary>Forgets <paramref name="key"/>: the peer refused or was never reached, so nothing happened and the
    /// effect may be tried again.</summary>
    public void Abandon(string key) => Records.Remove(key);

    private void Prune(DateTimeOffset now)
    {
        var old = Records.Where(r => r.Value.StartedAt < now - Lifetime).Select(r => r.Key).ToList();
        if (Records.Count - old.Count >= MaxRecords)
        {
            old.AddRange(Records.Where(r => r.Value.StartedAt >= now - Lifetime).OrderBy(r => r.Value.StartedAt)
                .Take(Records.Count - old.Count - MaxRecords + 1).Select(r => r.Key));
        }

        foreach (var key in old)
        {
            Records.Remove(key);
        }
    }
}

/// <summary>One side effect: started (outcome unknown until <see cref="DoneAt"/> is set) or done.</summary>
public sealed class SideEffectRecord
{
    /// <summary>What it is (<c>imap.move</c>, <c>smtp.send</c>), for diagnostics and errors.</summary>
    public string Effect { get; set; } = "";

    /// <summary>When the record was written, before the effect.</summary>
    public DateTimeOffset StartedAt { get; set; }

    /// <summary>When the peer's answer was recorded; null while the effect is in doubt.</summary>
    public DateTimeOffset? DoneAt { get; set; }

    /// <summary>What the peer answered (JSON of the effect's result), once done.</summary>
    public string? Outcome { get; set; }

    /// <summary>What a run that finds this record in doubt needs to check the peer (effect-specific values).</summary>
    public Dictionary<string, string> Details { get; set; } = new(StringComparer.Ordinal);

    /// <summary>True once the peer's answer is recorded.</summary>
    public bool IsDone => DoneAt is not null;
}
