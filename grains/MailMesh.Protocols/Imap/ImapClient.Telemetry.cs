using System.Diagnostics;
using MailMesh.Protocols.Imap.Internal;
using MailMesh.Protocols.Internal;

namespace MailMesh.Protocols.Imap;

/// <summary>Spans and metrics of the session and its commands (<see cref="ProtocolDiagnostics"/>); each hook costs a
/// field read when nothing listens.</summary>
public sealed partial class ImapClient
{
    private const string Protocol = "IMAP";
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

        _session = ProtocolDiagnostics.EndSession(_session, State == ImapSessionState.Broken ? BreakReason : null);
    }

    private ProtocolDiagnostics.Command StartCommandTelemetry(IReadOnlyList<ImapCommand> commands) =>
        ProtocolDiagnostics.IsEnabled
            ? ProtocolDiagnostics.Command.Start(Protocol, commands[0].Name, _options.Host, _options.EffectivePort, _session)
            : default;

    /// <summary>ok when every command succeeded, else the worst answer (bad over no).</summary>
    private static string Outcome(IReadOnlyList<ImapCommand> commands)
    {
        var outcome = "ok";
        foreach (var command in commands)
        {
            if (command.Status == ImapResponseStatus.Bad)
            {
                return "bad";
            }

            if (command.Status == ImapResponseStatus.No)
            {
                outcome = "no";
            }
        }

        return outcome;
    }
}
