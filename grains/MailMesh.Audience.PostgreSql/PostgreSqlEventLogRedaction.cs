using System.Text.Json;
using MailMesh.Runtime.PostgreSql;
using MailMesh.Runtime.Storage;
using Npgsql;

namespace MailMesh.Audience.PostgreSql;

/// <summary>Tombstones events in the PostgreSQL event log of <see cref="PostgreSqlStore"/> for a GDPR erasure
/// (docs/adr/audience-05-gdpr-erase.md), as the SQLite event log does: every event of the tenant whose subject is the
/// erased contact's key, or whose payload text contains one of the needles (ordinal), keeps its sequence, id, tenant,
/// type and time; its subject (where it was the contact's key) and payload are replaced. One statement, so it is
/// applied whole or not at all, and idempotent (an event already tombstoned no longer matches).</summary>
public sealed class PostgreSqlEventLogRedaction : IEventLogRedaction
{
    private readonly PostgreSqlStore _store;
    private readonly string _sql;

    /// <summary>Uses <paramref name="store"/>'s schema and connections (it does not own the store).</summary>
    public PostgreSqlEventLogRedaction(PostgreSqlStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        // payload is a json column: its text is the JSON as written, so a needle matches as it did in the writer's text.
        _sql = $"""
            UPDATE {store.Qualify("event_log")}
            SET subject = CASE WHEN subject = @s THEN @rs ELSE subject END, payload = @p::json
            WHERE tenant = @t
              AND (subject = @s OR EXISTS (SELECT 1 FROM unnest(@n) AS needle WHERE strpos(payload::text, needle) > 0))
              AND NOT (subject = @rs AND payload::text = @p)
            """;
    }

    /// <inheritdoc />
    public Task<long> RedactAsync(
        string tenant, string subject, IReadOnlyList<string> payloadNeedles, string replacementSubject, string replacementPayloadJson,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenant);
        ArgumentException.ThrowIfNullOrEmpty(subject);
        ArgumentNullException.ThrowIfNull(payloadNeedles);
        ArgumentException.ThrowIfNullOrEmpty(replacementSubject);
        ArgumentException.ThrowIfNullOrEmpty(replacementPayloadJson);
        if (payloadNeedles.Any(string.IsNullOrEmpty))
        {
            throw new ArgumentException("A payload needle is empty; it would match every event.", nameof(payloadNeedles));
        }

        try
        {
            using var document = JsonDocument.Parse(replacementPayloadJson);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new ArgumentException($"The replacement payload must be a JSON object; it is a {document.RootElement.ValueKind}.", nameof(replacementPayloadJson));
            }
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"The replacement payload is not JSON: {e.Message}", nameof(replacementPayloadJson), e);
        }

        var args = (Sql: _sql, Tenant: tenant, Subject: subject, Needles: payloadNeedles.ToArray(), ReplacementSubject: replacementSubject, Payload: replacementPayloadJson);
        return _store.RunAsync($"tombstoning the events of {tenant} about a subject", repeatable: true, args, static async (connection, a, ct) =>
        {
            await using var command = new NpgsqlCommand(a.Sql, connection);
            command.Parameters.Add(new NpgsqlParameter<string>("t", a.Tenant));
            command.Parameters.Add(new NpgsqlParameter<string>("s", a.Subject));
            command.Parameters.Add(new NpgsqlParameter<string[]>("n", a.Needles));
            command.Parameters.Add(new NpgsqlParameter<string>("rs", a.ReplacementSubject));
            command.Parameters.Add(new NpgsqlParameter<string>("p", a.Payload));
            return (long)await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }, cancellationToken);
    }
}
