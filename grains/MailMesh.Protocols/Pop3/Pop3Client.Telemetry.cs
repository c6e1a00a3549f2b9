using MailMesh.Protocols.Internal;

namespace MailMesh.Protocols.Pop3;

/// <summary>Spans and metrics of the session and its commands (<see cref="ProtocolDiagnostics"/>); each hook costs a
/// field read when nothing listens.</summary>
public sealed partial class Pop3Client
{
    private SessionTelemetry _telemetry = new("POP3");

    private void StartSessionTelemetry() => _telemetry.Start(_options.Host, _options.EffectivePort);

    private void ConnectedTelemetry() => _telemetry.Connected();

    private void EndSessionTelemetry() => _telemetry.End(State == Pop3SessionState.Broken ? BreakReason : null);

    private ProtocolDiagnostics.Command StartCommandTelemetry(string? command) =>
        command is null ? default : _telemetry.StartCommand(command, _options.Host, _options.EffectivePort);
}
