using MailMesh.Protocols.Imap.Internal;
using MailMesh.Protocols.Internal;

namespace MailMesh.Protocols.Imap;

/// <summary>Spans and metrics of the session and its commands (<see cref="ProtocolDiagnostics"/>); each hook costs a
/// field read when nothing listens.</summary>
public sealed partial class ImapClient
{
    private SessionTelemetry _telemetry = new("IMAP");

    private void StartSessionTelemetry() => _telemetry.Start(_options.Host, _options.EffectivePort);

    private void ConnectedTelemetry() => _telemetry.Connected();

    private void EndSessionTelemetry() => _telemetry.End(State == ImapSessionState.Broken ? BreakReason : null);

    private ProtocolDiagnostics.Command StartCommandTelemetry(IReadOnlyList<ImapCommand> commands) =>
        _telemetry.StartCommand(commands[0].Name, _options.Host, _options.EffectivePort);

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
