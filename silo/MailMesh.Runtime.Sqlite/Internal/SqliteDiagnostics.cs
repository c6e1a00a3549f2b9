using MailMesh.Runtime.Diagnostics;

namespace MailMesh.Runtime.Sqlite.Internal;

/// <summary>The SQLite store's activity source and meter <c>MailMesh.Runtime.Sqlite</c> (<see cref="DbClientTelemetry"/>; <c>db.namespace</c> is the
/// database file). A write's duration includes its wait for the group commit.</summary>
internal static class SqliteDiagnostics
{
    public const string Name = "MailMesh.Runtime.Sqlite";

    private static readonly DbClientTelemetry Telemetry = new(Name, "sqlite");

    public static bool IsEnabled => Telemetry.IsEnabled;

    public static Task<T> TraceAsync<T>(string kind, string operation, string database, Func<Task<T>> call) =>
        Telemetry.TraceAsync(kind, operation, database, null, 0, call);
}
