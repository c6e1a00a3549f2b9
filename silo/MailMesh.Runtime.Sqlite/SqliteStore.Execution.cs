using System.Threading.Channels;
using MailMesh.Runtime.Sqlite.Internal;
using Microsoft.Data.Sqlite;

namespace MailMesh.Runtime.Sqlite;

public sealed partial class SqliteStore
{
    /// <summary>Most writes committed together in one transaction.</summary>
    private const int MaxBatch = 128;

    private readonly Channel<PendingWrite> _writes = Channel.CreateUnbounded<PendingWrite>(
        new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = false });

    private Task? _writerLoop;

    /// <summary>Test hook: called on the writer loop with the size of each batch before it runs.</summary>
    internal Action<int>? BatchStarting { get; set; }

    /// <summary>Queues <paramref name="work"/> for the writer loop, which runs it in a write transaction: alone, or
    /// with other queued writes (group commit), each inside its own savepoint, so a write that fails is undone
    /// alone and the others commit. Cancellation counts until the write starts.</summary>
    private async Task<TResult> ExecuteWriteCoreAsync<TState, TResult>(
        string operation, TState state, Func<WriterConnection, TState, TResult> work, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        var write = new PendingWrite<TState, TResult>(operation, state, work, cancellationToken);
        if (!_writes.Writer.TryWrite(write))
        {
            throw new ObjectDisposedException(GetType().FullName);
        }

        return await write.Task.ConfigureAwait(false);
    }

    /// <summary>Runs <paramref name="work"/> on a pooled reader connection (a consistent snapshot per statement).</summary>
    private async Task<TResult> ExecuteReadCoreAsync<TState, TResult>(
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

    private async Task RunWriterLoopAsync()
    {
        var batch = new List<PendingWrite>(MaxBatch);
        var reader = _writes.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            while (batch.Count < MaxBatch && reader.TryRead(out var write))
            {
                if (write.TryStart())
                {
                    batch.Add(write);
                }
            }

            if (batch.Count == 0)
            {
                continue;
            }

            try
            {
                BatchStarting?.Invoke(batch.Count);
                RunBatch(batch);
            }
            catch (Exception unexpected)
            {
                // The loop must outlive any single failure; whatever escaped is reported to the writes it hit.
                Log.WriterReset(_logger, DatabasePath, "running a batch of writes", unexpected);
                CloseWriter();
                foreach (var write in batch)
                {
                    write.Fail(unexpected);
                }
            }
        }
    }

    private void RunBatch(List<PendingWrite> batch)
    {
        var remaining = batch;
        while (remaining.Count > 0)
        {
            WriterConnection writer;
            try
            {
                writer = _writer ?? OpenWriterConnection();
                writer.Begin();
            }
            catch (SqliteException e)
            {
                FailAll(remaining, e, "starting a write transaction");
                return;
            }

            // A lone write needs no savepoint: when it fails, the whole transaction is rolled back.
            var useSavepoints = remaining.Count > 1;
            var done = new List<PendingWrite>(remaining.Count);
            List<PendingWrite>? retry = null;
            for (var i = 0; i < remaining.Count; i++)
            {
                var write = remaining[i];
                try
                {
                    if (useSavepoints)
                    {
                        writer.Savepoint();
                        write.Execute(writer);
                        writer.ReleaseSavepoint();
                    }
                    else
                    {
                        write.Execute(writer);
                    }

                    done.Add(write);
                }
                catch (Exception e)
                {
                    write.Fail(e is SqliteException sqlite ? Fail(sqlite, write.Operation) : e);
                    if (e is SqliteException broken && BreaksConnection(broken))
                    {
                        RollBack(writer, write.Operation, e);
                        CloseWriter();
                        retry = [.. done, .. remaining.Skip(i + 1)];
                        break;
                    }

                    if (!useSavepoints)
                    {
                        RollBack(writer, write.Operation, e);
                        return;
                    }

                    if (!TryUndoWrite(writer, write.Operation, e))
                    {
                        // SQLite ended the whole transaction (it may after SQLITE_FULL): the writes before this one
                        // were undone too and run again; this one has its answer.
                        retry = [.. done, .. remaining.Skip(i + 1)];
                        break;
                    }
                }
            }

            if (retry is not null)
            {
                remaining = retry;
                continue;
            }

            if (done.Count == 0)
            {
                RollBack(writer, "ending an empty write transaction", null);
                return;
            }

            try
            {
                writer.Commit();
            }
            catch (SqliteException e)
            {
                RollBack(writer, "committing writes", e);
                if (BreaksConnection(e))
                {
                    CloseWriter();
                }

                FailAll(done, e, "committing writes");
                return;
            }

            foreach (var write in done)
            {
                write.Succeed();
            }

            return;
        }
    }

    /// <summary>Rolls back to the failed write's savepoint; false when no transaction is left to keep.</summary>
    private bool TryUndoWrite(WriterConnection writer, string operation, Exception cause)
    {
        if (!writer.InTransaction)
        {
            return false;
        }

        try
        {
            writer.RollbackToSavepoint();
            return true;
        }
        catch (SqliteException rollbackFailure)
        {
            Log.WriterReset(_logger, DatabasePath, operation, new AggregateException(cause, rollbackFailure));
            RollBack(writer, operation, rollbackFailure);
            return false;
        }
    }

    private void FailAll(List<PendingWrite> writes, SqliteException error, string what)
    {
        Log.StorageFailed(_logger, DatabasePath, what, error.SqliteExtendedErrorCode, IsTransient(error), error);
        foreach (var write in writes)
        {
            write.Fail(Translate(error, write.Operation));
        }
    }

    private WriterConnection OpenWriterConnection()
    {
        _writer = new WriterConnection(DatabasePath, _options);
        return _writer;
    }

    private void CloseWriter()
    {
        _writer?.Dispose();
        _writer = null;
    }

    private void RollBack(WriterConnection writer, string operation, Exception? cause)
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
            // write opens a fresh one, and SQLite discards the unfinished transaction.
            Log.WriterReset(_logger, DatabasePath, operation, cause is null ? rollbackFailure : new AggregateException(cause, rollbackFailure));
            CloseWriter();
        }
    }
}
