using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace MailMesh.Blobs.Local;

/// <summary>Where a packed blob is: its pack file, the byte range in it, and its properties.</summary>
internal sealed record PackedBlob(string Name, string Pack, long Offset, long Length, byte[] Md5, string ETag, DateTimeOffset LastModified, string? ContentType)
{
    public BlobProperties ToProperties() => new(Name, Length, Md5, ETag, LastModified, ContentType);
}

/// <summary>The catalog of packed blobs: one SQLite file (WAL) mapping each name to its pack and range. Puts are
/// group-committed: a put waits for its row, and a put that finds no commit running starts one, which gathers the
/// rows queued meanwhile (waiting a millisecond when there are few) into one transaction, so 64 puts in flight cost
/// a few commits, not 64. Commits are not synced one by one;
/// <see cref="Flush"/> makes every committed row durable with one synchronous write.</summary>
internal sealed class BlobPackCatalog : IDisposable
{
    private const string Schema = """
        PRAGMA journal_mode = WAL;
        CREATE TABLE IF NOT EXISTS blobs (
            name TEXT NOT NULL PRIMARY KEY, pack TEXT NOT NULL, offset INTEGER NOT NULL, length INTEGER NOT NULL,
            md5 BLOB NOT NULL, etag TEXT NOT NULL, modified INTEGER NOT NULL, content_type TEXT) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS blobs_by_pack ON blobs (pack);
        CREATE TABLE IF NOT EXISTS flushes (id INTEGER NOT NULL PRIMARY KEY, at INTEGER NOT NULL);
        """;

    private const string Columns = "name, pack, offset, length, md5, etag, modified, content_type";

    /// <summary>A commit of fewer rows than this waits <see cref="GatherDelay"/> once for more to arrive.</summary>
    private const int GatherRows = 32;
    private static readonly TimeSpan GatherDelay = TimeSpan.FromMilliseconds(1);
    private readonly string _connectionString;
    private readonly string _path;
    private readonly Lock _queueLock = new();
    private readonly SqliteConnection _writer;
    private List<PendingRows> _queue = [];
    private int _queuedRows;
    private bool _committing;

    public BlobPackCatalog(string path)
    {
        _path = path;
        _connectionString = new SqliteConnectionStringBuilder { DataSource = path, Pooling = true, DefaultTimeout = 30 }.ToString();
        try
        {
            _writer = Open(synchronous: "NORMAL");
            using var command = _writer.CreateCommand();
            command.CommandText = Schema;
            command.ExecuteNonQuery();
        }
        catch (SqliteException e)
        {
            throw new BlobStoreException($"The blob pack catalog '{path}' cannot be opened: {e.Message}", isTransient: false, inner: e);
        }
    }

    /// <summary>Records (or replaces) a packed blob; completes once its row is committed.</summary>
    public Task AddAsync(PackedBlob blob) => Enqueue(new PendingRows([blob]));

    /// <summary>Records (or replaces) several packed blobs; completes once their rows are committed (in one
    /// transaction, with whatever else is queued then).</summary>
    public Task AddManyAsync(IReadOnlyList<PackedBlob> blobs) => blobs.Count == 0 ? Task.CompletedTask : Enqueue(new PendingRows(blobs));

    private Task Enqueue(PendingRows rows)
    {
        lock (_queueLock)
        {
            _queue.Add(rows);
            _queuedRows += rows.Blobs.Count;
            if (_committing)
            {
                return rows.Done.Task;
            }

            _committing = true;
        }

        _ = CommitQueuedAsync();
        return rows.Done.Task;
    }

    /// <summary>Commits batches until the queue is empty. It first lets the puts already running queue their rows
    /// (a put in flight reaches its catalog row within microseconds of the previous one), so a burst of puts is one
    /// commit rather than one each.</summary>
    private async Task CommitQueuedAsync()
    {
        await Task.Yield();
        var waited = false;
        while (true)
        {
            List<PendingRows> batch;
            lock (_queueLock)
            {
                if (_queue.Count == 0)
                {
                    _committing = false;
                    return;
                }

                if (_queuedRows < GatherRows && !waited)
                {
                    batch = [];
                }
                else
                {
                    batch = _queue;
                    _queue = [];
                    _queuedRows = 0;
                }
            }

            if (batch.Count == 0)
            {
                waited = true;
                await Task.Delay(GatherDelay).ConfigureAwait(false);
                continue;
            }

            waited = false;
            try
            {
                Upsert(_writer, batch);
                foreach (var rows in batch)
                {
                    rows.Done.TrySetResult();
                }
            }
            catch (SqliteException e)
            {
                var error = new BlobStoreException($"Recording {batch.Sum(r => r.Blobs.Count)} packed blob(s) in '{_path}' failed: {e.Message}", isTransient: true, inner: e);
                foreach (var rows in batch)
                {
                    rows.Done.TrySetException(error);
                }
            }
        }
    }

    private const string UpsertSql = $"INSERT OR REPLACE INTO blobs ({Columns}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";

    /// <summary>One transaction, one prepared statement bound by position through the SQLite API (binding eight
    /// named ADO.NET parameters per row cost more than the insert).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Upsert(SqliteConnection connection, List<PendingRows> batch)
    {
        using var transaction = connection.BeginTransaction();
        var db = connection.Handle!;
        Check(db, raw.sqlite3_prepare_v2(db, UpsertSql, out var statement));
        using (statement)
        {
            foreach (var rows in batch)
            {
                foreach (var blob in rows.Blobs)
                {
                    raw.sqlite3_bind_text(statement, 1, blob.Name);
                    raw.sqlite3_bind_text(statement, 2, blob.Pack);
                    raw.sqlite3_bind_int64(statement, 3, blob.Offset);
                    raw.sqlite3_bind_int64(statement, 4, blob.Length);
                    raw.sqlite3_bind_blob(statement, 5, blob.Md5);
                    raw.sqlite3_bind_text(statement, 6, blob.ETag);
                    raw.sqlite3_bind_int64(statement, 7, blob.LastModified.UtcTicks);
                    if (blob.ContentType is { } contentType)
                    {
                        raw.sqlite3_bind_text(statement, 8, contentType);
                    }
                    else
                    {
                        raw.sqlite3_bind_null(statement, 8);
                    }

                    var result = raw.sqlite3_step(statement);
                    if (result != raw.SQLITE_DONE)
                    {
                        Check(db, result);
                        throw new SqliteException($"Recording packed blob '{blob.Name}' returned SQLite code {result}.", result);
                    }

                    Check(db, raw.sqlite3_reset(statement));
                }
            }
        }

        transaction.Commit();
    }

    private static void Check(sqlite3 db, int result)
    {
        if (result is not (raw.SQLITE_OK or raw.SQLITE_DONE or raw.SQLITE_ROW))
        {
            SqliteException.ThrowExceptionForRC(result, db);
        }
    }

    /// <summary>Whether any blob is packed at all (a store that never packed skips the catalog on every call).</summary>
    public bool HasAny()
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT EXISTS (SELECT 1 FROM blobs)";
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) != 0;
    }

    /// <summary>The packed blob of that name, or null.</summary>
    public PackedBlob? Find(string name)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM blobs WHERE name = $n";
        command.Parameters.AddWithValue("$n", name);
        using var reader = command.ExecuteReader();
        return reader.Read() ? Read(reader) : null;
    }

    /// <summary>The packed blobs whose names start with <paramref name="prefix"/>.</summary>
    public List<PackedBlob> List(string prefix)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        // A range scan from the prefix; substr keeps exactly the names that start with it.
        command.CommandText = $"SELECT {Columns} FROM blobs WHERE name >= $p AND substr(name, 1, $len) = $p";
        command.Parameters.AddWithValue("$p", prefix);
        command.Parameters.AddWithValue("$len", prefix.Length);
        return ReadAll(command);
    }

    /// <summary>The blobs stored in one pack.</summary>
    public List<PackedBlob> InPack(string pack)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM blobs WHERE pack = $p ORDER BY offset";
        command.Parameters.AddWithValue("$p", pack);
        return ReadAll(command);
    }

    /// <summary>Bytes still referenced per pack (packs with no blob left are absent).</summary>
    public Dictionary<string, long> LiveBytesByPack()
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT pack, SUM(length) FROM blobs GROUP BY pack";
        using var reader = command.ExecuteReader();
        var live = new Dictionary<string, long>(StringComparer.Ordinal);
        while (reader.Read())
        {
            live[reader.GetString(0)] = reader.GetInt64(1);
        }

        return live;
    }

    /// <summary>Removes a blob's row; false when there was none.</summary>
    public bool Remove(string name)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM blobs WHERE name = $n";
        command.Parameters.AddWithValue("$n", name);
        return command.ExecuteNonQuery() > 0;
    }

    /// <summary>Points a blob at its copy in another pack, unless it was replaced or deleted meanwhile.</summary>
    public bool Relocate(PackedBlob from, string pack, long offset)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "UPDATE blobs SET pack = $np, offset = $no WHERE name = $n AND pack = $p AND offset = $o AND etag = $e";
        command.Parameters.AddWithValue("$np", pack);
        command.Parameters.AddWithValue("$no", offset);
        command.Parameters.AddWithValue("$n", from.Name);
        command.Parameters.AddWithValue("$p", from.Pack);
        command.Parameters.AddWithValue("$o", from.Offset);
        command.Parameters.AddWithValue("$e", from.ETag);
        return command.ExecuteNonQuery() > 0;
    }

    /// <summary>Makes every row committed so far durable: one write with <c>synchronous = FULL</c> syncs the write-ahead
    /// log, and with it every earlier commit.</summary>
    public void Flush(DateTimeOffset now)
    {
        using var connection = Open(synchronous: "FULL");
        using var command = connection.CreateCommand();
        command.CommandText = "INSERT OR REPLACE INTO flushes (id, at) VALUES (1, $t); PRAGMA synchronous = NORMAL;";
        command.Parameters.AddWithValue("$t", now.UtcTicks);
        command.ExecuteNonQuery();
    }

    public void Dispose()
    {
        _writer.Dispose();
        SqliteConnection.ClearPool(new SqliteConnection(_connectionString));
    }

    private SqliteConnection Open(string synchronous = "NORMAL")
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using var pragma = connection.CreateCommand();
        pragma.CommandText = $"PRAGMA synchronous = {synchronous};";
        pragma.ExecuteNonQuery();
        return connection;
    }

    private static List<PackedBlob> ReadAll(SqliteCommand command)
    {
        using var reader = command.ExecuteReader();
        var rows = new List<PackedBlob>();
        while (reader.Read())
        {
            rows.Add(Read(reader));
        }

        return rows;
    }

    private static PackedBlob Read(SqliteDataReader reader) => new(
        reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3), (byte[])reader.GetValue(4), reader.GetString(5),
        new DateTimeOffset(reader.GetInt64(6), TimeSpan.Zero), reader.IsDBNull(7) ? null : reader.GetString(7));

    private sealed class PendingRows(IReadOnlyList<PackedBlob> blobs)
    {
        public IReadOnlyList<PackedBlob> Blobs { get; } = blobs;

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
