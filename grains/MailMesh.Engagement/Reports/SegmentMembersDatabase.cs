using MailMesh.Campaigns.SendLog;
using MailMesh.Grains.Contacts;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace MailMesh.Engagement.Reports;

/// <summary>A segment's members now, written page by page into a scratch SQLite file (<see cref="ReportMembers"/>) that
/// the report queries join on; deleted when disposed.</summary>
internal sealed class SegmentMembersDatabase : IAsyncDisposable
{
    /// <summary>Members asked of the segment directory at a time (its largest page).</summary>
    public const int PageSize = 1000;

    private readonly ILogger _logger;

    private SegmentMembersDatabase(string path, long count, ILogger logger)
    {
        Path = path;
        Count = count;
        _logger = logger;
    }

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>How many members it holds.</summary>
    public long Count { get; }

    /// <summary>Writes the members of <paramref name="segment"/> into a new file in <paramref name="directory"/>.</summary>
    public static async Task<SegmentMembersDatabase> WriteAsync(
        ISegmentDirectoryGrain segments, string segment, string directory, ILogger logger, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        var path = System.IO.Path.Combine(directory, $"members-{Guid.NewGuid():N}.db");
        var database = new SegmentMembersDatabase(path, 0, logger);
        try
        {
            // Not pooled: the file is deleted afterwards, and a pooled connection would keep it open.
            var builder = new SqliteConnectionStringBuilder { DataSource = path, Pooling = false, Mode = SqliteOpenMode.ReadWriteCreate };
            await using var connection = new SqliteConnection(builder.ToString());
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using (var setup = connection.CreateCommand())
            {
                // A scratch file: nothing to recover after a crash, so no journal and no syncs.
                setup.CommandText = "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; " + ReportMembers.Schema;
                await setup.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using var insert = connection.CreateCommand();
            insert.Transaction = transaction;
            insert.CommandText = "INSERT OR IGNORE INTO members (contact) VALUES ($c)";
            var contact = insert.Parameters.Add("$c", SqliteType.Text);
            long count = 0;
            string? after = null;
            do
            {
                var page = await segments.Members(segment, after, PageSize).ConfigureAwait(false);
                foreach (var address in page.Addresses)
                {
                    contact.Value = address;
                    count += await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                after = page.Next;
            }
            while (after is not null);

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return new SegmentMembersDatabase(path, count, logger);
        }
        catch
        {
            await database.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        try
        {
            File.Delete(Path);
        }
        catch (IOException e)
        {
            ReportLog.ScratchNotDeleted(_logger, Path, e);
        }
        catch (UnauthorizedAccessException e)
        {
            ReportLog.ScratchNotDeleted(_logger, Path, e);
        }

        return ValueTask.CompletedTask;
    }
}
