using MailMesh.Runtime.Sqlite.Internal;
using Microsoft.Data.Sqlite;

namespace MailMesh.Runtime.Sqlite;

public sealed partial class SqliteStore
{
    /// <summary>Runs <paramref name="work"/> in one write transaction under the write lock: committed when it
    /// returns, rolled back when it throws. SQLite errors become <see cref="Storage.StorageException"/>.</summary>
    internal async Task<TResult> ExecuteWriteAsync<TState, TResult>(
        string operation, TState state, Func<WriterConnection, TState, TResult> work, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            cancellationToken.ThrowIfCancellationRequested();
            var writer = _writer ?? OpenWriter(operation);
            try
            {
                writer.Begin();
                var result = work(writer, state);
                // Cancellation is honoured up to the commit; after it the write has happened.
                cancellationToken.ThrowIfCancellationRequested();
                writer.Commit();
                return result;
            }
            catch (Exception e)
            {
                RollBack(writer, operation, e);
                if (e is SqliteException sqlite)
                {
                    if (BreaksConnection(sqlite))
                    {
                        CloseWriter();
                    }

                    throw Fail(sqlite, operation);
                }

                throw;
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Runs <paramref name="work"/> on a pooled reader connection (a consistent snapshot per statement).</summary>
    internal async Task<TResult> ExecuteReadAsync<TState, TResult>(
        string operation, TState state, Func<ReaderConnection, TState, TResult> work, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        ReaderConnection reader;
        try
        {
            reader = await _readers.RentAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (SqliteException e)
        {
            throw Fail(e, operation);
        }

        var healthy = false;
        try
        {
            var result = work(reader, state);
            healthy = true;
            return result;
        }
        catch (SqliteException e)
        {
            throw Fail(e, operation);
        }
        catch (MalformedRowException e)
        {
            healthy = true;
            throw Malformed(e, operation);
        }
        finally
        {
            _readers.Return(reader, healthy);
        }
    }

    private WriterConnection OpenWriter(string operation)
    {
        try
        {
            _writer = new WriterConnection(DatabasePath, _options);
            return _writer;
        }
        catch (SqliteException e)
        {
            throw Fail(e, operation);
        }
    }

    private void CloseWriter()
    {
        _writer?.Dispose();
        _writer = null;
    }

    private void RollBack(WriterConnection writer, string operation, Exception cause)
    {
        try
        {
            // SQLite rolls back by itself after some errors (e.g. SQLITE_FULL may); only roll back what is open.
            if (writer.InTransaction)
            {
                writer.Rollback();
            }
        }
        catch (SqliteException rollbackFailure)
        {
            // A connection whose transaction state is unknown must not take the next write: close it; the next
            // write opens a fresh one, and SQLite discards the unfinished transaction from the WAL.
            Log.WriterReset(_logger, DatabasePath, operation, new AggregateException(cause, rollbackFailure));
            CloseWriter();
        }
    }
}
