using MailMesh.Runtime.PostgreSql.Internal;
using Npgsql;

namespace MailMesh.Runtime.PostgreSql;

public sealed partial class PostgreSqlStore
{
    /// <summary>Runs <paramref name="work"/> on a pooled connection. A connection that turns out broken (the server
    /// restarted since it was pooled) is retried once on a new one when that is safe: for reads, for writes that are
    /// safe to repeat (<see cref="Repeat.FencedWrite"/>), and for other writes only when the failure came before
    /// anything was sent. Errors become <see cref="Storage.StorageException"/>s that say what failed and what to do.</summary>
    private async Task<TResult> ExecuteCoreAsync<TState, TResult>(
        string operation,
        Repeat repeat,
        TState state,
        Func<NpgsqlConnection, TState, CancellationToken, Task<TResult>> work,
        CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        for (var attempt = 1; ; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var sent = false;
            try
            {
                await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                sent = true;
                return await work(connection, state, cancellationToken).ConfigureAwait(false);
            }
            catch (NpgsqlException e) when (!cancellationToken.IsCancellationRequested)
            {
                var brokenConnection = BreaksConnection(e);
                if (brokenConnection)
                {
                    // Pooled connections opened before a server restart are all dead: drop them at once.
                    _dataSource.Clear();
                }

                if (attempt == 1 && brokenConnection && (repeat != Repeat.Write || !sent))
                {
                    Log.Retrying(_logger, Server, operation, e);
                    continue;
                }

                throw Fail(e, operation, outcomeUnknown: repeat != Repeat.Read && sent && brokenConnection);
            }
        }
    }

    /// <summary>Reads rows of <paramref name="command"/> into a list.</summary>
    internal static async Task<List<T>> ReadListAsync<T>(NpgsqlCommand command, Func<NpgsqlDataReader, T> read, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var list = new List<T>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            list.Add(read(reader));
        }

        return list;
    }
}

/// <summary>Whether an operation may run again after its connection broke.</summary>
internal enum Repeat
{
    /// <summary>A read: always safe to repeat.</summary>
    Read,

    /// <summary>A write whose repetition cannot apply twice (ETag-fenced, or idempotent): repeated once.</summary>
    FencedWrite,

    /// <summary>A write that is repeated only when nothing was sent.</summary>
    Write,
}
