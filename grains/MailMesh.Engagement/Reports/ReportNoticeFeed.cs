using System.Text.Json;
using MailMesh.Runtime.Storage;

namespace MailMesh.Engagement.Reports;

/// <summary>A bounce or complaint notice of a campaign, as a report counts it.</summary>
/// <param name="EventId">The event's id (a notice is stored once by it).</param>
/// <param name="Tenant">The tenant.</param>
/// <param name="Campaign">The campaign.</param>
/// <param name="Contact">The recipient (normalized address).</param>
/// <param name="Kind">1 hard bounce, 2 soft bounce, 3 complaint.</param>
/// <param name="Reason">The bounce reason or the complaint's feedback type.</param>
/// <param name="At">When the event was written.</param>
public sealed record ReportNotice(Guid EventId, string Tenant, string Campaign, string Contact, int Kind, string? Reason, DateTimeOffset At);

/// <summary>Reads the notice events a notice store has not stored yet, type by type and batch by batch from each type's
/// cursor, and hands each batch with the sequence it covers to the store, which stores it and moves the cursor in one
/// transaction. Shared by the SQLite and PostgreSQL notice stores so that both project the same events the same way.</summary>
public sealed class ReportNoticeFeed
{
    /// <summary>Event types projected.</summary>
    private static readonly string[] EventTypes = ["message.bounced", "message.complained"];

    private readonly IEventLog _events;
    private readonly int _batchSize;

    /// <summary>A feed over <paramref name="events"/>, reading <paramref name="batchSize"/> events at a time.</summary>
    public ReportNoticeFeed(IEventLog events, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        _events = events;
        _batchSize = batchSize;
    }

    /// <summary>Stores every notice event written up to now: <paramref name="cursor"/> reads a type's cursor (0 when
    /// none), <paramref name="store"/> stores a batch and sets the type's cursor to the sequence given, returning how many
    /// notices were new. Returns how many notices were stored.</summary>
    public async Task<int> CatchUpAsync(
        Func<string, CancellationToken, Task<long>> cursor, Func<IReadOnlyList<ReportNotice>, string, long, CancellationToken, Task<int>> store,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cursor);
        ArgumentNullException.ThrowIfNull(store);
        var last = await _events.GetLastSequenceAsync(cancellationToken).ConfigureAwait(false);
        var stored = 0;
        foreach (var type in EventTypes)
        {
            var at = await cursor(type, cancellationToken).ConfigureAwait(false);
            while (at < last)
            {
                var batch = await _events.ReadAsync(at + 1, _batchSize, new EventFilter(TypePrefix: type), cancellationToken).ConfigureAwait(false);
                var notices = batch.Where(e => e.Sequence <= last && e.Type == type).Select(Parse).OfType<ReportNotice>().ToList();
                // Every event of the type up to the last sequence read before the loop has been seen once a batch comes back short.
                var through = batch.Count < _batchSize || batch[^1].Sequence >= last ? last : batch[^1].Sequence;
                stored += await store(notices, type, through, cancellationToken).ConfigureAwait(false);
                at = through;
            }
        }

        return stored;
    }

    /// <summary>The notice of an event, or null when it names no campaign (a provider notice that could not be tied to a
    /// send) or no address.</summary>
    public static ReportNotice? Parse(EventRecord e)
    {
        ArgumentNullException.ThrowIfNull(e);
        using var document = JsonDocument.Parse(e.PayloadJson);
        var root = document.RootElement;
        var campaign = Text(root, "campaignId");
        var address = Text(root, "address");
        if (string.IsNullOrEmpty(campaign) || string.IsNullOrEmpty(address))
        {
            return null;
        }

        var kind = e.Type == "message.complained" ? 3 : Text(root, "type") == "hard" ? 1 : 2;
        return new ReportNotice(
            e.EventId, e.Tenant, campaign, address.Trim().ToLowerInvariant(), kind, kind == 3 ? Text(root, "feedbackType") : Text(root, "reason"), e.Time);
    }

    private static string? Text(JsonElement root, string name) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
