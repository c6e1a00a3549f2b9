using MailMesh.Runtime.Diagnostics;

namespace MailMesh.Runtime.PostgreSql.Internal;

/// <summary>The PostgreSQL store's activity source and meter <c>MailMesh.Runtime.PostgreSql</c> (<see cref="DbClientTelemetry"/>), the parent of
/// Npgsql's own command spans (source <c>Npgsql</c>).</summary>
internal static class PostgreSqlDiagnostics
{
    public const string Name = "MailMesh.Runtime.PostgreSql";

    private static readonly DbClientTelemetry Telemetry = new(Name, "postgresql");

    public static bool IsEnabled => Telemetry.IsEnabled;

    public static Task<T> TraceAsync<T>(string kind, string operation, string host, int port, string database, Func<Task<T>> call) =>
        Telemetry.TraceAsync(kind, operation, database, host, port, call);
}
