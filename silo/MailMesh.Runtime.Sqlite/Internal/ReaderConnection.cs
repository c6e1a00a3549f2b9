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
        Connection.Dispose();
    }
}
