namespace MailMesh.Runtime.Sqlite.Internal;

/// <summary>The statements of the store, in one place so the schema and its users are read together.</summary>
internal static class Sql
{
    public const string SelectStateETag =
        "SELECT etag FROM grain_state WHERE state_name = $stateName AND grain_type = $grainType AND grain_key = $grainKey;";

    public const string SelectState =
        "SELECT etag, payload FROM grain_state WHERE state_name = $stateName AND grain_type = $grainType AND grain_key = $grainKey;";

    /// <summary>The bulk read of states by key: grain_key and <paramref name="columns"/> of the keys in the JSON array $k,
    /// of state $n and grain type $t.</summary>
    public static string SelectStates(string columns) =>
        $"SELECT grain_key, {columns} FROM grain_state WHERE state_name = $n AND grain_type = $t AND grain_key IN (SELECT value FROM json_each($k));";

    public const string UpsertState = """
        INSERT INTO grain_state (state_name, grain_type, grain_key, etag, payload, updated_at)
        VALUES ($stateName, $grainType, $grainKey, $etag, $payload, $updatedAt)
        ON CONFLICT (state_name, grain_type, grain_key)
        DO UPDATE SET etag = excluded.etag, payload = excluded.payload, updated_at = excluded.updated_at;
        """;

    // Parameters are numbered in the order of UpsertState's ($stateName, $grainType, $grainKey, $etag, $payload, $updatedAt).
    public const string InsertStateIfAbsent = """
        INSERT INTO grain_state (state_name, grain_type, grain_key, etag, payload, updated_at)
        VALUES ($stateName, $grainType, $grainKey, $etag, $payload, $updatedAt)
        ON CONFLICT (state_name, grain_type, grain_key) DO NOTHING;
        """;

    // Numbered as in InsertStateIfAbsent (1-3 the key, 4 etag, 5 payload, 6 updated_at), then 7 the expected ETag.
    public const string UpdateStateIfMatch = """
        UPDATE grain_state SET etag = ?4, payload = ?5, updated_at = ?6
        WHERE state_name = ?1 AND grain_type = ?2 AND grain_key = ?3 AND etag = ?7;
        """;

    public const string DeleteState =
        "DELETE FROM grain_state WHERE state_name = $stateName AND grain_type = $grainType AND grain_key = $grainKey;";

    // sequence is an INTEGER PRIMARY KEY left to SQLite: max + 1 inside a write transaction, so commit order
    // is sequence order and a rolled-back insert leaves no gap (rows are never deleted). The writer inserts a write's
    // events several rows per statement (EventRows) and reads the assigned values with sqlite3_last_insert_rowid
    // (cheaper than RETURNING).
    public const string SelectLastSequence = "SELECT COALESCE(MAX(sequence), 0) FROM event_log;";

    public const int FilterTenant = 1;
    public const int FilterType = 2;
    public const int FilterSubject = 4;

    /// <summary>The read statement for a filter shape (a combination of the Filter* bits).</summary>
    public static string SelectEvents(int shape)
    {
        var where = "sequence >= $from";
        if ((shape & FilterTenant) != 0)
        {
            where += " AND tenant = $tenant";
        }

        if ((shape & FilterType) != 0)
        {
            // "a" matches "a" and "a.…" but not "ab": with binary collation, "a." <= t < "a/" ('/' follows '.').
            where += " AND (type = $type OR (type >= $typeLow AND type < $typeHigh))";
        }

        if ((shape & FilterSubject) != 0)
        {
            where += " AND subject = $subject";
        }

        // The limit is an expression, not the bare parameter: SQLite plans with the value bound to a bare LIMIT parameter
        // and so marks the compiled statement stale whenever that parameter is bound again, and each read compiled it
        // again (docs/adr/campaigns-21-limits-without-replanning.md).
        return $"SELECT sequence, event_id, tenant, type, subject, time, payload FROM event_log WHERE {where} ORDER BY sequence LIMIT CAST($max AS INTEGER);";
    }

    public const string UpsertReminder = """
        INSERT INTO reminders (grain_type, grain_key, name, first_due, period, etag)
        VALUES ($grainType, $grainKey, $name, $firstDue, $period, $etag)
        ON CONFLICT (grain_type, grain_key, name)
        DO UPDATE SET first_due = excluded.first_due, period = excluded.period, etag = excluded.etag;
        """;

    public const string DeleteReminder =
        "DELETE FROM reminders WHERE grain_type = $grainType AND grain_key = $grainKey AND name = $name;";

    public const string SelectGrainReminders = """
        SELECT grain_type, grain_key, name, first_due, period, etag FROM reminders
        WHERE grain_type = $grainType AND grain_key = $grainKey ORDER BY name;
        """;

    public const string SelectAllReminders =
        "SELECT grain_type, grain_key, name, first_due, period, etag FROM reminders ORDER BY grain_type, grain_key, name;";
}
