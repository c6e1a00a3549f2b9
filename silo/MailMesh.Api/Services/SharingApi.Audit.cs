using System.Globalization;
using System.Text.Json;
using Google.Protobuf.WellKnownTypes;
using MailMesh.Api.V1;
using MailMesh.Grains.Sharing;
using MailMesh.Grpc;
using MailMesh.Runtime.Storage;

namespace MailMesh.Api.Services;

/// <summary>Reading and verifying the audit trail, straight from the event log (events <c>audit.*</c> about the mailbox).</summary>
internal sealed partial class SharingApi
{
    private const int AuditBatch = 500;
    private const int MaxAuditScan = 20_000;
    private const int MaxAuditPage = 1000;

    private async Task<ListAuditResponse> ListAudit(ListAuditRequest request, ServerCallContext context)
    {
        var call = await _gate.OpenAsync(context, ApiScopes.MailboxesRead, request.Mailbox, MailboxAccess.Full, "mailbox").ConfigureAwait(false);
        var size = request.PageSize == 0 ? 100 : request.PageSize;
        if (size is < 1 or > MaxAuditPage)
        {
            throw new InvalidArgumentException("page_size", $"must be 1-{MaxAuditPage} (or 0 for 100), not {request.PageSize}");
        }

        var since = request.Since?.ToDateTimeOffset();
        var before = request.Before?.ToDateTimeOffset();
        if (since is { } s && before is { } b && b <= s)
        {
            throw new InvalidArgumentException("before", $"({b:O}) must be later than since ({s:O})");
        }

        if (request.Action.Length > 0 && !AuditChain.IsValidAction(request.Action))
        {
            throw new InvalidArgumentException("action", $"'{request.Action}' is not an action name (dotted lower-case words, e.g. message.read)");
        }

        var from = 1L;
        if (request.PageToken.Length > 0 && (!long.TryParse(request.PageToken, NumberStyles.None, CultureInfo.InvariantCulture, out from) || from < 1))
        {
            throw new InvalidArgumentException("page_token", "is not a next_page_token returned by ListAudit");
        }

        var filter = new EventFilter(call.Caller.Tenant, "audit", $"{call.Caller.Tenant}/{call.Name}");
        var response = new ListAuditResponse();
        var scanned = 0;
        while (true)
        {
            var batch = await events.ReadAsync(from, AuditBatch, filter, context.CancellationToken).ConfigureAwait(false);
            foreach (var record in batch)
            {
                scanned++;
                from = record.Sequence + 1;
                var entry = ToEntry(record);
                if ((request.Actor.Length == 0 || entry.Actor == request.Actor)
                    && (request.Action.Length == 0 || entry.Action == request.Action || entry.Action.StartsWith(request.Action + ".", StringComparison.Ordinal))
                    && (since is null || record.Time >= since) && (before is null || record.Time < before))
                {
                    response.Entries.Add(entry);
                    if (response.Entries.Count == size)
                    {
                        response.NextPageToken = from.ToString(CultureInfo.InvariantCulture);
                        return response;
                    }
                }
            }

            if (batch.Count < AuditBatch)
            {
                return response;
            }

            if (scanned >= MaxAuditScan)
            {
                // Bounded work per call: the token resumes the scan where it stopped.
                response.NextPageToken = from.ToString(CultureInfo.InvariantCulture);
                return response;
            }
        }
    }

    private async Task<VerifyAuditResponse> VerifyAudit(VerifyAuditRequest request, ServerCallContext context)
    {
        var call = await _gate.OpenAsync(context, ApiScopes.MailboxesRead, request.Mailbox, MailboxAccess.Full, "mailbox").ConfigureAwait(false);
        var filter = new EventFilter(call.Caller.Tenant, "audit", $"{call.Caller.Tenant}/{call.Name}");
        var previous = AuditChain.Genesis;
        var checkedCount = 0L;
        var from = 1L;
        while (true)
        {
            var batch = await events.ReadAsync(from, AuditBatch, filter, context.CancellationToken).ConfigureAwait(false);
            foreach (var record in batch)
            {
                from = record.Sequence + 1;
                checkedCount++;
                var problem = Check(record, previous, out var hash);
                if (problem is not null)
                {
                    return new VerifyAuditResponse { Valid = false, Entries = checkedCount, FirstInvalidSequence = record.Sequence, Problem = problem };
                }

                previous = hash;
            }

            if (batch.Count < AuditBatch)
            {
                return new VerifyAuditResponse { Valid = true, Entries = checkedCount };
            }
        }
    }

    private static string? Check(EventRecord record, string previous, out string hash)
    {
        hash = "";
        AuditEntry entry;
        long atMs;
        try
        {
            entry = ToEntry(record);
            using var json = JsonDocument.Parse(record.PayloadJson);
            atMs = json.RootElement.GetProperty("atMs").GetInt64();
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return $"entry {record.Sequence} is not a readable audit entry: {e.Message}";
        }

        if (record.Type != AuditChain.EventPrefix + entry.Action)
        {
            return $"entry {record.Sequence} has type {record.Type} but action {entry.Action}";
        }

        if (entry.Prev != previous)
        {
            return $"entry {record.Sequence} links to {Short(entry.Prev)} but the entry before it hashes to {Short(previous)} (an entry was removed or changed)";
        }

        var expected = AuditChain.Hash(entry.Prev, entry.Actor, entry.Action, entry.Target, atMs, entry.Details);
        if (expected != entry.Hash)
        {
            return $"entry {record.Sequence} hashes to {Short(expected)}, not the stored {Short(entry.Hash)} (its content was changed)";
        }

        hash = entry.Hash;
        return null;
    }

    private static AuditEntry ToEntry(EventRecord record)
    {
        using var json = JsonDocument.Parse(record.PayloadJson);
        var root = json.RootElement;
        var entry = new AuditEntry
        {
            Sequence = record.Sequence,
            At = Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeMilliseconds(root.GetProperty("atMs").GetInt64())),
            Actor = root.GetProperty("actor").GetString() ?? "",
            Action = root.GetProperty("action").GetString() ?? "",
            Target = root.GetProperty("target").GetString() ?? "",
            Prev = root.GetProperty("prev").GetString() ?? "",
            Hash = root.GetProperty("hash").GetString() ?? "",
        };
        if (root.TryGetProperty("details", out var details) && details.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in details.EnumerateObject())
            {
                entry.Details[property.Name] = property.Value.GetString() ?? "";
            }
        }

        return entry;
    }

    private static string Short(string hash) => hash.Length == 0 ? "(start of the trail)" : hash[..Math.Min(12, hash.Length)];
}
