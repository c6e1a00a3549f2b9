using Microsoft.Extensions.Logging;

namespace MailMesh.Runtime.Internal;

/// <summary>The runtime's log events (stable ids 1000–1099).</summary>
internal sealed partial class RuntimeLog
{
    private readonly ILogger _logger;

    public RuntimeLog(ILogger logger)
    {
        _logger = logger;
    }

    [LoggerMessage(1000, LogLevel.Information, "Silo started with {GrainTypeCount} grain types")]
    public partial void SiloStarted(int grainTypeCount);

    [LoggerMessage(1001, LogLevel.Information, "Silo stopping: deactivating {ActivationCount} activations")]
    public partial void SiloStopping(int activationCount);

    [LoggerMessage(1002, LogLevel.Information, "Silo stopped")]
    public partial void SiloStopped();

    [LoggerMessage(1003, LogLevel.Warning, "Silo stop was cancelled with {ActivationCount} activations still running")]
    public partial void SiloStopCancelled(int activationCount);

    [LoggerMessage(1010, LogLevel.Debug, "Activated {Grain}")]
    public partial void Activated(GrainId grain);

    [LoggerMessage(1011, LogLevel.Error, "Activation of {Grain} failed: {Reason}")]
    public partial void ActivationFailed(GrainId grain, string reason, Exception exception);

    [LoggerMessage(1012, LogLevel.Debug, "Deactivated {Grain} ({Reason})")]
    public partial void Deactivated(GrainId grain, string reason);

    [LoggerMessage(1013, LogLevel.Error, "OnDeactivateAsync of {Grain} failed")]
    public partial void DeactivationHookFailed(GrainId grain, Exception exception);

    [LoggerMessage(1014, LogLevel.Error, "Persisting state '{State}' of {Grain} at deactivation failed")]
    public partial void PersistOnDeactivateFailed(GrainId grain, string state, Exception exception);

    [LoggerMessage(1020, LogLevel.Error, "Unhandled exception in grain {Grain} (async void code?)")]
    public partial void UnhandledGrainException(GrainId grain, Exception exception);

    [LoggerMessage(1021, LogLevel.Error, "Runtime turn '{Turn}' of {Grain} failed")]
    public partial void SystemTurnFailed(GrainId grain, string turn, Exception exception);

    [LoggerMessage(1022, LogLevel.Error, "Timer callback of {Grain} failed")]
    public partial void TimerCallbackFailed(GrainId grain, Exception exception);

    [LoggerMessage(1030, LogLevel.Information, "Loaded {Count} reminders")]
    public partial void RemindersLoaded(int count);

    [LoggerMessage(1031, LogLevel.Error, "Reminder '{Name}' of {Grain} could not be delivered")]
    public partial void ReminderNotDelivered(GrainId grain, string name, Exception exception);

    [LoggerMessage(1040, LogLevel.Error, "Periodic runtime task '{Task}' failed")]
    public partial void PeriodicTaskFailed(string task, Exception exception);

    [LoggerMessage(1041, LogLevel.Error, "Reminders could not be read again after a membership change; reminders registered on other silos reach this one at the next change")]
    public partial void RemindersNotReloaded(Exception exception);
}
