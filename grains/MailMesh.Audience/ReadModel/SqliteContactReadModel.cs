using System.Threading.Channels;
using MailMesh.Grains.Contacts;
using Microsoft.Data.Sqlite;

namespace MailMesh.Audience.ReadModel;

/// <summary>The contacts read model in its own SQLite file (WAL). Writes from many grains are queued and committed
/// together by one writer (group commit): each caller's task completes once its row is committed.</summary>
public sealed partial class SqliteContactReadModel : IContactReadModel, IContactSegmentStore, IAsyncDisposable
{
    /// <summary>Most rows committed in one transaction.</summary>
    public const int MaxBatch = 512;

    private readonly string _connectionString;
    private readonly Channel<PendingWrite> _queue = Channel.CreateUnbounded<PendingWrite>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stop = new();
    private Task? _writer;
    private readonly Lock _startLock = new();

    // The writer's cache of attribute slots (only the writer loop touches it).
    private readonly Dictionary<(string Tenant, string Name), AttributeSlot> _slots = [];

    /// <summary>Uses (and creates) the SQLite file at <paramref name="path"/>.</summary>
    public SqliteContactReadModel(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        _connectionString = new SqliteConnectionStringBuilder { DataSource = path, Pooling = true, DefaultTimeout = 30 }.ToString();
    }

    /// <inheritdoc />
    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await MigrateAsync(connection, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public Task UpsertAsync(ContactInfo contact, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(contact);
        return EnqueueAsync(new PendingWrite(contact.Tenant, contact.Address, contact), cancellationToken);
    }

    /// <inheritdoc />
    public Task UpsertManyAsync(IReadOnlyList<ContactInfo> contacts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(contacts);
        if (contacts.Count == 0)
        {
            return Task.CompletedTask;
        }

        foreach (var contact in contacts)
        {
            ArgumentNullException.ThrowIfNull(contact, nameof(contacts));
        }

        return EnqueueAsync(new PendingWrite(contacts[0].Tenant, contacts[0].Address, null, contacts), cancellationToken);
    }

    /// <inheritdoc />
    public Task DeleteAsync(string tenant, string address, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenant);
        ArgumentException.ThrowIfNullOrEmpty(address);
        return EnqueueAsync(new PendingWrite(tenant, address, null), cancellationToken);
    }

    /// <inheritdoc />
    public async Task<long?> GetVersionAsync(string tenant, string address, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT version FROM contacts WHERE tenant = $t AND address = $a";
        command.Parameters.AddWithValue("$t", tenant);
        command.Parameters.AddWithValue("$a", address);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long version ? version : null;
    }

    /// <inheritdoc />
    public async Task<long> CountAsync(string tenant, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM contacts WHERE tenant = $t";
        command.Parameters.AddWithValue("$t", tenant);
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<ContactSummary>> ListAsync(string tenant, string? list, string? after, int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = list is null
            ? "SELECT address, suppressed, role_address, updated_at, version FROM contacts WHERE tenant = $t AND address > $after ORDER BY address LIMIT $l"
            : """
              SELECT c.address, c.suppressed, c.role_address, c.updated_at, c.version FROM contacts c
              JOIN contact_lists l ON l.contact_id = c.id AND l.tenant = $t AND l.list = $list
              WHERE c.tenant = $t AND c.address > $after ORDER BY c.address LIMIT $l
              """;
        command.Parameters.AddWithValue("$t", tenant);
        command.Parameters.AddWithValue("$after", after ?? "");
        command.Parameters.AddWithValue("$l", limit);
        command.Parameters.AddWithValue("$list", (object?)list ?? DBNull.Value);
        var result = new List<ContactSummary>();
        await using var r = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await r.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            result.Add(new ContactSummary(r.GetString(0), r.GetInt64(1) == 0, r.GetInt64(2) != 0, DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(3)), r.GetInt64(4)));
        }

        return result;
    }

    /// <summary>Opens a connection to the file (for queries such as segments). Commits are not flushed one by one
    /// (<c>synchronous=NORMAL</c> in WAL mode): rows lost by a power cut are written again from the contacts' state when
    /// they are next activated (docs/adr/audience-01-contact-read-model.md).</summary>
    public async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken = default)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var pragma = connection.CreateCommand();
        // Up to 1 GiB of the file mapped: pages found in the database are read from memory, not by a read system call each.
        pragma.CommandText = "PRAGMA synchronous = NORMAL; PRAGMA mmap_size = 1073741824";
        await pragma.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return connection;
    }

    /// <summary>Stops the writer after the queued writes.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        if (_writer is not null)
        {
            await _writer.ConfigureAwait(false);
        }

        _stop.Dispose();
    }

    private Task EnqueueAsync(PendingWrite write, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        EnsureWriter();
        if (!_queue.Writer.TryWrite(write))
        {
            throw new ObjectDisposedException(nameof(SqliteContactReadModel), "the contacts read model is shutting down");
        }

        return write.Done.Task;
    }

    private void EnsureWriter()
    {
        if (_writer is not null)
        {
            return;
        }

        lock (_startLock)
        {
            _writer ??= Task.Run(WriteLoopAsync);
        }
    }
}
