using System.Diagnostics;

namespace MailMesh.Protocols.Internal;

/// <summary>The session span and connect counting of one client (IMAP, POP3 or SMTP), kept as a field of the client;
/// each hook costs a field read when nothing listens (<see cref="ProtocolDiagnostics"/>).</summary>
internal struct SessionTelemetry
{
    private readonly string _protocol;
    private Activity? _session;
    private bool _connecting;

    /// <summary>Telemetry for sessions of <paramref name="protocol"/> ("IMAP", "POP3", "SMTP").</summary>
    public SessionTelemetry(string protocol) => _protocol = protocol;

    /// <summary>Opens the session span before connecting.</summary>
    public void Start(string host, int port)
    {
        _connecting = true;
        _session = ProtocolDiagnostics.StartSession(_protocol, host, port);
    }

    /// <summary>Counts a successful connect (greeting read, TLS done).</summary>
    public void Connected()
    {
        _connecting = false;
        ProtocolDiagnostics.CountConnect(_protocol, ok: true);
    }

    /// <summary>Closes the session span; a session that never connected counts as a failed connect.</summary>
    public void End(Exception? breakReason)
    {
        if (_connecting)
        {
            _connecting = false;
            ProtocolDiagnostics.CountConnect(_protocol, ok: false);
        }

        _session = ProtocolDiagnostics.EndSession(_session, breakReason);
    }

    /// <summary>Starts a command span linked to the session, or nothing when no one listens.</summary>
    public readonly ProtocolDiagnostics.Command StartCommand(string name, string host, int port) =>
        ProtocolDiagnostics.IsEnabled
            ? ProtocolDiagnostics.Command.Start(_protocol, name, host, port, _session)
            : default;
}
