using MailMesh.Protocols.Internal;

namespace MailMesh.Protocols.Smtp;

/// <summary>Spans and metrics of the session, its commands and its messages (<see cref="ProtocolDiagnostics"/>,
/// <c>mailmesh.smtp.client.messages</c> for sends and deferrals); each hook costs a field read when nothing listens.</summary>
public sealed partial class SmtpClient
{
    private SessionTelemetry _telemetry = new("SMTP");

    private void StartSessionTelemetry() => _telemetry.Start(_options.Host, _options.EffectivePort);

    private void ConnectedTelemetry() => _telemetry.Connected();

    private void EndSessionTelemetry() => _telemetry.End(State == SmtpSessionState.Broken ? BreakReason : null);

    private ProtocolDiagnostics.Command StartCommandTelemetry(string line)
    {
        if (!ProtocolDiagnostics.IsEnabled)
        {
            return default;
        }

        // The verb only: arguments carry addresses and domains.
        var space = line.IndexOfAny([' ', ':']);
        var verb = (space < 0 ? line : line[..space]).ToUpperInvariant();
        return _telemetry.StartCommand(verb, _options.Host, _options.EffectivePort);
    }

    /// <inheritdoc cref="SendCoreAsync"/>
    public async Task<SmtpSendResult> SendAsync(SmtpEnvelope envelope, ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default)
    {
        var telemetry = _telemetry.StartCommand("SEND", _options.Host, _options.EffectivePort);
        try
        {
            var result = await SendCoreAsync(envelope, message, cancellationToken).ConfigureAwait(false);
            telemetry.Complete("ok");
            ProtocolDiagnostics.CountSmtpMessage("sent");
            return result;
        }
        catch (Exception e) when (e is not ArgumentException && CountFailure(e, telemetry))
        {
            throw;
        }
    }

    /// <summary>Counts a failed transaction by the server's answer (4xx deferred, 5xx rejected) or as failed (the
    /// connection); returns false for use in an exception filter.</summary>
    private static bool CountFailure(Exception error, ProtocolDiagnostics.Command telemetry)
    {
        telemetry.Failed(error, refused: error is SmtpCommandException);
        ProtocolDiagnostics.CountSmtpMessage(error is SmtpCommandException refused ? ProtocolDiagnostics.SmtpOutcome(refused.Code) : "failed");
        return false;
    }
}
