using Microsoft.Data.Sqlite;

namespace MailMesh.Runtime.Sqlite.Internal;

/// <summary>A read-only (query_only) connection with its compiled statements; rented from <see cref="ReaderPool"/>
/// by one reader at a time. In WAL mode readers never wait for the writer.</summary>
internal sealed class ReaderConnection : IDisposable
{
    private readonly int _timeout;
    private readonly Statement?[] _selectEvents = new Statement?[8];
    private Statement? _selectState;
    private Statement? _lastSequence;
    private Statement? _grainReminders;
    private Statement? _allReminders;
    private Statement? _selectETags;
    private Statement? _selectStates;

    public ReaderConnection(string path, SqliteStorageOptions options)
    {
        _timeout = Connections.CommandTimeoutSeconds(options);
        Connection = Connections.Open(path, options, writer: false);
    }

    public SqliteConnection Connection { get; }

    public Statement SelectState => Prepare(ref _selectState, Sql.SelectState, "$stateName", "$grainType", "$grainKey");

    public Statement LastSequence => Prepare(ref _lastSequence, Sql.SelectLastSequence);

    public Statement GrainReminders => Prepare(ref _grainReminders, Sql.SelectGrainReminders, "$grainType", "$grainKey");

    public Statement AllReminders => Prepare(ref _allReminders, Sql.SelectAllReminders);

    /// <summary>The states (grain_key and <paramref name="columns"/>) of the keys in a JSON array, of one state name and
    /// grain type; parameters: $n, $t, $k.</summary>
    public Statement SelectStates(StateColumns columns) => columns == StateColumns.ETag
        ? Prepare(ref _selectETags, Sql.SelectStates("etag"), "$n", "$t", "$k")
        : Prepare(ref _selectStates, Sql.SelectStates("etag, payload"), "$n", "$t", "$k");

    /// <summary>The event read statement for a filter shape; parameters: $from, $max, then $tenant, $type,
    /// $typeLow, $typeHigh, $subject as the shape includes them.</summary>
    public Statement SelectEvents(int shape)
    {
        var names = new List<string> { "$from", "$max" };
        if ((shape & Sql.FilterTenant) != 0)
        {
            names.Add("$tenant");
        }

        if ((shape & Sql.FilterType) != 0)
        {
            names.AddRange(["$type", "$typeLow", "$typeHigh"]);
        }

        if ((shape & Sql.FilterSubject) != 0)
        {
            names.Add("$subject");
        }

        return _selectEvents[shape] ??= new Statement(Connection, Sql.SelectEvents(shape), _timeout, [.. names]);
    }

    private Statement Prepare(ref Statement? slot, string sql, params string[] parameters) =>
        slot ??= new Statement(Connection, sql, _timeout, parameters);

    public void Dispose()
    {
        foreach (var statement in _selectEvents)
        {
            statement?.Dispose();
        }

        _selectState?.Dispose();
        _lastSequence?.Dispose();
        _grainReminders?.Dispose();
        _allReminders?.Dispose();
        _selectETags?.Dispose();
        _selectStates?.Dispose();
        Connection.Dispose();
    }
}

/// <summary>What a bulk state read selects besides the key: the ETag alone (docs/adr/storage-04-state-versions-read.md),
/// or the ETag and the payload.</summary>
internal enum StateColumns
{
    ETag,
    ETagAndPayload,
}
