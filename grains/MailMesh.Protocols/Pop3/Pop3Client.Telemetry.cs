using System.Diagnostics;
using MailMesh.Protocols.Internal;

namespace MailMesh.Protocols.Pop3;

/// <summary>Spans and metrics of the session and its commands (<see cref="ProtocolDiagnostics"/>); each hook costs a
/// field read when nothing listens.</summary>
public sealed partial class Pop3Client
{
    private const string Protocol = "POP3";
    private Activity? _session;
    private bool _connecting;

    private void StartSessionTelemetry()
    {
        _connecting = true;
        _session = ProtocolDiagnostics.StartSession(Protocol, _options.Host, _options.EffectivePort);
    }

    private void ConnectedTelemetry()
    {
        _connecting = false;
        ProtocolDiagnostics.CountConnect(Protocol, ok: true);
    }

    private void EndSessionTelemetry()
    {
        if (_connecting)
        {
            _connecting = false;
            ProtocolDiagnostics.CountConnect(Protocol, ok: false);
        }

        _session = ProtocolDiagnostics.EndSession(_session, State == Pop3SessionState.Broken ? BreakReason : null);
    }

    private ProtocolDiagnostics.Command StartCommandTelemetry(string? command) =>
        command is not null && ProtocolDiagnostics.IsEnabled
            ? ProtocolDiagnostics.Command.Start(Protocol, command, _options.Host, _options.EffectivePort, _session)
            : default;
}
