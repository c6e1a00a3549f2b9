using System.Text;
using MailMesh.Runtime.Sqlite.Internal;
using MailMesh.Runtime.Storage;

namespace MailMesh.Runtime.Sqlite.Tests;

/// <summary>The bulk state reads (a campaign batch's contacts and their versions) run on statements each reader connection
/// keeps compiled, and answer each read with its own keys.</summary>
public sealed class SqliteStateReadStatementTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    private string DatabasePath => _directory.File("mailmesh.db");

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task SelectStates_ReadAgainWithOtherKeys_SameCompiledStatementAnswersEachRead()
    {
        await using (var store = await SqliteStore.OpenAsync(SqliteBackend.Options(DatabasePath)))
        {
            await new SqliteStateBatch(store).WriteManyAsync(
            [
                new StateWrite("s", new GrainId("T", "acme/a"), Encoding.UTF8.GetBytes("{\"v\":\"a\"}"), null, []),
                new StateWrite("s", new GrainId("T", "acme/b"), Encoding.UTF8.GetBytes("{\"v\":\"b\"}"), null, []),
            ]);
        }

        using var reader = new ReaderConnection(DatabasePath, SqliteBackend.Options(DatabasePath));
        var etags = reader.SelectStates(StateColumns.ETag);
        var states = reader.SelectStates(StateColumns.ETagAndPayload);

        Assert.Same(etags, reader.SelectStates(StateColumns.ETag));
        Assert.Same(states, reader.SelectStates(StateColumns.ETagAndPayload));
        Assert.NotSame(etags, states);
        Assert.Equal(["acme/a"], Keys(etags, "[\"acme/a\", \"acme/x\"]", columns: 2));
        Assert.Equal(["acme/b"], Keys(etags, "[\"acme/b\"]", columns: 2));
        Assert.Equal(["acme/a", "acme/b"], Keys(states, "[\"acme/b\", \"acme/a\"]", columns: 3));
    }

    private static List<string> Keys(Statement statement, string keysJson, int columns)
    {
        var keys = new List<string>();
        using var row = statement.Bind(0, "s").Bind(1, "T").Bind(2, keysJson).Query();
        Assert.Equal(columns, row.FieldCount);
        while (row.Read())
        {
            keys.Add(row.GetString(0));
        }

        keys.Sort(StringComparer.Ordinal);
        return keys;
    }
}
