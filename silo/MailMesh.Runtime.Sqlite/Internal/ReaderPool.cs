using System.Collections.Concurrent;

namespace MailMesh.Runtime.Sqlite.Internal;

/// <summary>Up to <see cref="SqliteStorageOptions.MaxReadConnections"/> reader connections, opened on demand
/// and kept open; a connection that failed is closed instead of being returned.</summary>
internal sealed class ReaderPool : IDisposable
{
    private readonly string _path;
    private readonly SqliteStorageOptions _options;
    private readonly SemaphoreSlim _slots;
    private readonly ConcurrentBag<ReaderConnection> _idle = [];
    private volatile bool _disposed;

    public ReaderPool(string path, SqliteStorageOptions options)
    {
        _path = path;
        _options = options;
        _slots = new SemaphoreSlim(options.MaxReadConnections, options.MaxReadConnections);
    }

    public async ValueTask<ReaderConnection> RentAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _idle.TryTake(out var connection) ? connection : new ReaderConnection(_path, _options);
        }
        catch
        {
            _slots.Release();
            throw;
        }
    }

    public void Return(ReaderConnection connection, bool healthy)
    {
        if (healthy && !_disposed)
        {
            _idle.Add(connection);
        }
        else
        {
            connection.Dispose();
        }

        _slots.Release();
        if (_disposed)
        {
            DrainIdle();
        }
    }

    /// <summary>Closes idle connections (e.g. after the file was found corrupted, so the next read reopens).</summary>
    public void DrainIdle()
    {
        while (_idle.TryTake(out var connection))
        {
            connection.Dispose();
        }
    }

    public void Dispose()
    {
        _disposed = true;
        DrainIdle();
    }
}
