namespace MailMesh.Runtime.PostgreSql.Internal;

/// <summary>How a state write checks its ETag (see <see cref="Sql.WriteState"/>).</summary>
internal enum StateChangeKind
{
    /// <summary>No row was read: insert, and do nothing when a row exists.</summary>
    Insert,

    /// <summary>A row was read: update it when its ETag still matches.</summary>
    Update,

    /// <summary>Clear a row that was read: delete it when its ETag still matches.</summary>
    Delete,

    /// <summary>Clear when no row was read: succeeds only when there still is none.</summary>
    DeleteMissing,
}

/// <summary>The statements of one schema, built once per store, so the schema and its users are read together.
/// Parameter names: @type, @key, @name (grain and state or reminder), @etag, @expected, @payload.</summary>
internal sealed class Sql
{
    public Sql(string schema)
    {
        Schema = schema;
        Channel = "mailmesh_events_" + schema;
        string S(string text) => Internal.Schema.For(text, schema);

        SelectState = S("SELECT etag, payload FROM {s}.grain_state WHERE grain_type = @type AND grain_key = @key AND state_name = @name");
        SelectStateETag = S("SELECT etag FROM {s}.grain_state WHERE grain_type = @type AND grain_key = @key AND state_name = @name");
        _stateCte =
        [
            S("""
              INSERT INTO {s}.grain_state (grain_type, grain_key, state_name, etag, payload)
              VALUES (@type, @key, @name, @etag, @payload) ON CONFLICT DO NOTHING RETURNING 1
              """),
            S("""
              UPDATE {s}.grain_state SET etag = @etag, payload = @payload, updated_at = now()
              WHERE grain_type = @type AND grain_key = @key AND state_name = @name AND etag = @expected RETURNING 1
              """),
            S("DELETE FROM {s}.grain_state WHERE grain_type = @type AND grain_key = @key AND state_name = @name AND etag = @expected RETURNING 1"),
            S("SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM {s}.grain_state WHERE grain_type = @type AND grain_key = @key AND state_name = @name)"),
        ];

        // The events follow the state change in the same statement (one round trip, one implicit transaction). The
        // sequence row is locked only when the state change happened, and only until the commit; the notification
        // is sent at commit.
        _appendEvents = S("""
            , seq AS (
                UPDATE {s}.event_sequence SET last = last + @count
                WHERE id = 1 AND EXISTS (SELECT 1 FROM st) RETURNING last - @count AS base)
            , ev AS (
                INSERT INTO {s}.event_log (sequence, event_id, tenant, type, subject, time, time_ticks, time_offset, payload)
                SELECT seq.base + e.ord, e.id, e.tenant, e.type, e.subject, e.time, e.ticks, e.off, e.payload::json
                FROM seq CROSS JOIN unnest(@ids, @tenants, @types, @subjects, @times, @timeTicks, @offsets, @payloads)
                    WITH ORDINALITY AS e(id, tenant, type, subject, time, ticks, off, payload, ord)
                RETURNING sequence)
            SELECT (SELECT count(*) FROM st), (SELECT max(sequence) FROM ev),
                   (SELECT pg_notify(@channel, max(sequence)::text) FROM ev HAVING count(*) > 0) IS NULL
            """);
        // A write made while a delivered message runs records the message id in the same statement (only when the state
        // change happened), and drops this grain's ids older than the de-duplication window.
        _recordMessage = S("""
            , msg AS (
                INSERT INTO {s}.grain_messages (grain_type, grain_key, message_id)
                SELECT @type, @key, @message WHERE EXISTS (SELECT 1 FROM st) ON CONFLICT DO NOTHING)
            , pruned AS (
                DELETE FROM {s}.grain_messages WHERE grain_type = @type AND grain_key = @key AND recorded_at < now() - @window)
            """);
        SelectMessageApplied = S("SELECT EXISTS (SELECT 1 FROM {s}.grain_messages WHERE grain_type = @type AND grain_key = @key AND message_id = @message)");
        SelectExistingEventIds = S("SELECT event_id FROM {s}.event_log WHERE event_id = ANY(@ids)");
        SelectEventSequences = S("SELECT event_id, sequence FROM {s}.event_log WHERE event_id = ANY(@ids)");
        SelectLastSequence = S("SELECT last FROM {s}.event_sequence WHERE id = 1");
        _selectEvents = S("SELECT sequence, event_id, tenant, type, subject, time, time_ticks, time_offset, payload FROM {s}.event_log WHERE sequence >= @from");

        UpsertReminder = S("""
            INSERT INTO {s}.reminders (grain_type, grain_key, name, first_due, first_due_ticks, first_due_offset, period_ticks, etag)
            VALUES (@type, @key, @name, @due, @dueTicks, @dueOffset, @period, @etag)
            ON CONFLICT (grain_type, grain_key, name) DO UPDATE SET first_due = excluded.first_due, first_due_ticks = excluded.first_due_ticks,
                first_due_offset = excluded.first_due_offset, period_ticks = excluded.period_ticks, etag = excluded.etag
            """);
        DeleteReminder = S("DELETE FROM {s}.reminders WHERE grain_type = @type AND grain_key = @key AND name = @name");
        const string ReminderColumns = "grain_type, grain_key, name, first_due, first_due_ticks, first_due_offset, period_ticks, etag";
        SelectGrainReminders = S($"SELECT {ReminderColumns} FROM {{s}}.reminders WHERE grain_type = @type AND grain_key = @key ORDER BY name");
        SelectAllReminders = S($"SELECT {ReminderColumns} FROM {{s}}.reminders ORDER BY grain_type, grain_key, name");

        const string MemberColumns = "silo_id, address, started_at, status, last_heartbeat, version";
        // Joins, leaves and deaths bump membership_version in the same statement; heartbeats do not.
        string Bump(string changed) => S($", v AS (UPDATE {{s}}.membership_version SET version = version + 1 WHERE id = 1 AND EXISTS (SELECT 1 FROM {changed}))");
        RegisterMember = S($$"""
            WITH m AS (
                INSERT INTO {s}.membership ({{MemberColumns}}) VALUES (@silo, @address, @started, 'active', @now, 1)
                ON CONFLICT DO NOTHING RETURNING {{MemberColumns}})
            {{Bump("m")}}
            SELECT {{MemberColumns}} FROM m
            """);
        Heartbeat = S($$"""
            UPDATE {s}.membership SET last_heartbeat = GREATEST(last_heartbeat, @now), version = version + 1
            WHERE silo_id = @silo AND status IN ('active', 'shutting_down') RETURNING {{MemberColumns}}
            """);
        SelectMemberStatus = S("SELECT status FROM {s}.membership WHERE silo_id = @silo");
        SetMemberStatus = S($$"""
            WITH m AS (
                UPDATE {s}.membership SET status = @status, version = version + 1
                WHERE silo_id = @silo AND status = ANY(@from) RETURNING {{MemberColumns}})
            {{Bump("m")}}
            SELECT {{MemberColumns}} FROM m
            """);
        DeclareDead = S($$"""
            WITH m AS (
                UPDATE {s}.membership SET status = 'dead', version = version + 1
                WHERE status IN ('active', 'shutting_down') AND last_heartbeat < @cutoff RETURNING {{MemberColumns}})
            {{Bump("m")}}
            SELECT {{MemberColumns}} FROM m ORDER BY silo_id
            """);
        SelectMembers = S($$"""
            SELECT v.version, {{string.Join(", ", MemberColumns.Split(", ").Select(c => "m." + c))}}
            FROM {s}.membership_version v LEFT JOIN {s}.membership m ON true WHERE v.id = 1 ORDER BY m.silo_id
            """);
        RemoveDefunct = S("DELETE FROM {s}.membership WHERE status IN ('left', 'dead') AND last_heartbeat < @cutoff");
    }

    private readonly string[] _stateCte;
    private readonly string _appendEvents;
    private readonly string _recordMessage;
    private readonly string _selectEvents;

    public string Schema { get; }

    /// <summary>The NOTIFY channel of event commits (payload: the last sequence committed).</summary>
    public string Channel { get; }

    public string SelectState { get; }

    public string SelectStateETag { get; }

    /// <summary>Whether a delivered message's state write committed: @type, @key, @message.</summary>
    public string SelectMessageApplied { get; }

    public string SelectExistingEventIds { get; }

    public string SelectEventSequences { get; }

    public string SelectLastSequence { get; }

    public string UpsertReminder { get; }

    public string DeleteReminder { get; }

    public string SelectGrainReminders { get; }

    public string SelectAllReminders { get; }

    public string RegisterMember { get; }

    public string Heartbeat { get; }

    public string SelectMemberStatus { get; }

    public string SetMemberStatus { get; }

    public string DeclareDead { get; }

    public string SelectMembers { get; }

    public string RemoveDefunct { get; }

    /// <summary>The statement of a state change: one row back with (state changed: 0 or 1, last event sequence or null,
    /// unused). Without events it only changes the state and never touches the sequence.</summary>
    /// <remarks>With <paramref name="withMessage"/> it also records @message (parameters @message, @window).</remarks>
    public string WriteState(StateChangeKind kind, bool withEvents, bool withMessage = false)
    {
        var head = withMessage ? $"WITH st AS ({_stateCte[(int)kind]})\n{_recordMessage}" : $"WITH st AS ({_stateCte[(int)kind]})";
        return withEvents
            ? $"{head}\n{_appendEvents}"
            : $"{head} SELECT (SELECT count(*) FROM st), NULL::bigint, true";
    }

    public const int FilterTenant = 1;
    public const int FilterType = 2;
    public const int FilterSubject = 4;

    /// <summary>The read statement for a filter shape (a combination of the Filter* bits); parameters @from, @max,
    /// @tenant, @type, @typePrefix (type + "."), @subject.</summary>
    public string SelectEvents(int shape)
    {
        var where = _selectEvents;
        if ((shape & FilterTenant) != 0)
        {
            where += " AND tenant = @tenant";
        }

        if ((shape & FilterType) != 0)
        {
            where += " AND (type = @type OR starts_with(type, @typePrefix))";
        }

        if ((shape & FilterSubject) != 0)
        {
            where += " AND subject = @subject";
        }

        return where + " ORDER BY sequence LIMIT @max";
    }
}
