using MailMesh.Runtime.Storage;
using Microsoft.Data.Sqlite;

namespace MailMesh.Runtime.Sqlite.Internal;

/// <summary>Appends the events of one write to the event log, several rows per INSERT statement. Within one statement
/// SQLite keeps its cursors on the table and on each index between rows, and a key that sorts after the cursor's
/// last-page entries goes in without a descent from the root; each statement of its own opened the five B-trees again and
/// searched each from the root (docs/adr/storage-05-multi-row-appends.md).</summary>
internal static class EventRows
{
    /// <summary>SQLite's extended result code for a UNIQUE constraint (here: an event id already in the log).</summary>
    public const int ConstraintUnique = 2067;

    /// <summary>Rows per statement, largest first; a write's events are cut greedily into runs of these sizes.</summary>
    public static readonly int[] RunSizes = [64, 16, 4, 1];

    /// <summary>The columns bound per row, in the order of the INSERT's VALUES.</summary>
    public const int ColumnsPerRow = 6;

    /// <summary>The INSERT of <paramref name="rows"/> events, parameters numbered ?1.. row by row (event id, tenant, type,
    /// subject, time, payload).</summary>
    public static string InsertSql(int rows)
    {
        var values = new System.Text.StringBuilder("INSERT INTO event_log (event_id, tenant, type, subject, time, payload) VALUES ");
        for (var row = 0; row < rows; row++)
        {
            var first = (row * ColumnsPerRow) + 1;
            values.Append(row == 0 ? "(" : ", (");
            for (var column = 0; column < ColumnsPerRow; column++)
            {
                values.Append(column == 0 ? "?" : ", ?").Append(first + column);
            }

            values.Append(')');
        }

        return values.Append(';').ToString();
    }

    /// <summary>Appends <paramref name="events"/> in order inside the writer's open transaction; returns the sequence of
    /// each. A run's rows take consecutive rowids (each is the largest so far plus one), so the last inserted rowid gives
    /// the whole run's sequences.</summary>
    /// <exception cref="StorageException">An event id is already in the log (or twice in <paramref name="events"/>).</exception>
    public static long[] Append(WriterConnection writer, IReadOnlyList<EventDraft> events)
    {
        var sequences = new long[events.Count];
        var next = 0;
        foreach (var size in RunSizes)
        {
            while (events.Count - next >= size)
            {
                var insert = writer.InsertEvents(size);
                for (var row = 0; row < size; row++)
                {
                    Bind(insert, row, events[next + row]);
                }

                try
                {
                    insert.Execute();
                }
                catch (SqliteException error) when (error.SqliteExtendedErrorCode == ConstraintUnique)
                {
                    // The failed statement left nothing behind; the run's rows go in one by one to name the event.
                    throw Duplicate(writer, events, next, size, error);
                }

                var last = writer.LastInsertRowId;
                for (var row = 0; row < size; row++)
                {
                    sequences[next + row] = last - size + 1 + row;
                }

                next += size;
            }
        }

        return sequences;
    }

    private static StorageException Duplicate(WriterConnection writer, IReadOnlyList<EventDraft> events, int start, int count, SqliteException runError)
    {
        var insert = writer.InsertEvents(1);
        for (var i = start; i < start + count; i++)
        {
            try
            {
                Bind(insert, 0, events[i]);
                insert.Execute();
            }
            catch (SqliteException error) when (error.SqliteExtendedErrorCode == ConstraintUnique)
            {
                return DuplicateOf(events[i], error);
            }
        }

        return DuplicateOf(events[start], runError);
    }

    /// <summary>Binds <paramref name="e"/> as row <paramref name="row"/> of an INSERT of <see cref="InsertSql"/>.</summary>
    private static void Bind(RawStatement insert, int row, EventDraft e)
    {
        var first = row * ColumnsPerRow;
        insert.Bind(first, e.EventId.ToString("D")).Bind(first + 1, e.Tenant).Bind(first + 2, e.Type).Bind(first + 3, e.Subject)
            .Bind(first + 4, Text.Time(e.Time)).Bind(first + 5, e.PayloadJson);
    }

    private static StorageException DuplicateOf(EventDraft e, SqliteException error) =>
        new($"Event {e.EventId} ({e.Type} about {e.Subject}) is already in the event log: event ids must be unique. Nothing was written.",
            isTransient: false, error);
}
