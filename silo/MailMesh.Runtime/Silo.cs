using MailMesh.Runtime.Diagnostics;
using MailMesh.Runtime.Internal;
using MailMesh.Runtime.Internal.Activation;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MailMesh.Runtime;

/// <summary>An embedded silo: the activation table, schedulers, reminders and the in-process fabric. Registered as
/// a singleton by <c>AddMailMeshRuntime</c> and started/stopped by the host (or by hand in tests through
/// <see cref="Hosting.SiloBuilder"/>).</summary>
public sealed partial class Silo : IAsyncDisposable
{
    private readonly SiloRuntime _runtime;
    private IAsyncDisposable? _ownedServices;
    private ITimer? _idleTimer;
    private ITimer? _timeoutTimer;
    private int _idleBusy;
    private int _timeoutBusy;

    /// <summary>Creates the silo from the services registered by <c>AddMailMeshRuntime</c>.</summary>
    public Silo(IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        _runtime = new SiloRuntime(
            services,
            services.GetService<IOptions<GrainRuntimeOptions>>()?.Value ?? new GrainRuntimeOptions(),
            services.GetService<TimeProvider>() ?? TimeProvider.System,
            services.GetService<ILoggerFactory>(),
            services.GetServices<GrainRegistration>());
    }

    /// <summary>Hands out grain references whose calls run on this silo.</summary>
    public IGrainFactory GrainFactory => _runtime.GrainFactory;

    /// <summary>Where the silo is in its life.</summary>
    public SiloStatus Status => _runtime.Status;

    /// <summary>Number of activations currently in the table.</summary>
    public int ActivationCount => _runtime.Catalog.Count;

    /// <summary>The service provider grains are created from.</summary>
    public IServiceProvider Services => _runtime.Services;

    /// <summary>Makes <see cref="DisposeAsync"/> also dispose <paramref name="owned"/> (the builder's container).</summary>
    internal void Own(IAsyncDisposable owned) => _ownedServices = owned;

    /// <summary>Loads reminders and starts taking calls.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (_runtime.Status != SiloStatus.Created)
        {
            throw new InvalidOperationException($"The silo is {_runtime.Status}; a silo starts once.");
        }

        var options = _runtime.Options;
        _runtime.Status = SiloStatus.Running;
        try
        {
            await _runtime.Reminders.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            _runtime.Status = SiloStatus.Stopped;
            throw;
        }

        var idleInterval = options.IdleCheckInterval < options.IdleTimeout ? options.IdleCheckInterval : options.IdleTimeout;
        using (ExecutionContext.SuppressFlow())
        {
            _idleTimer = _runtime.TimeProvider.CreateTimer(static s => ((Silo)s!).CollectIdle(), this, idleInterval, idleInterval);
            _timeoutTimer = _runtime.TimeProvider.CreateTimer(static s => ((Silo)s!).CheckTimeouts(), this,
                options.CallTimeoutCheckInterval, options.CallTimeoutCheckInterval);
        }

        RuntimeGauges.Add(_runtime);
        _runtime.Log.SiloStarted(_runtime.Types.GrainTypes.Count());
    }

    /// <summary>Shuts down gracefully: takes no new external calls (they fail with
    /// <see cref="SiloUnavailableException"/>), lets queued and running turns finish (grains may still call each
    /// other meanwhile), then deactivates every activation (<see cref="Grain.OnDeactivateAsync"/> runs and changed
    /// states are written). Cancelling <paramref name="cancellationToken"/>, or <see cref="GrainRuntimeOptions.ShutdownTimeout"/> passing, abandons the wait.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (_runtime.Status != SiloStatus.Running)
        {
            _runtime.Status = SiloStatus.Stopped;
            return;
        }

        _runtime.Status = SiloStatus.Stopping;
        _runtime.Reminders.Stop();
        if (_idleTimer is not null)
        {
            await _idleTimer.DisposeAsync().ConfigureAwait(false);
        }

        _runtime.Log.SiloStopping(_runtime.Catalog.Count);
        var reason = new DeactivationReason(DeactivationReasonCode.SiloShutdown, "the silo is shutting down");
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(_runtime.Options.ShutdownTimeout);
        try
        {
            while (_runtime.Catalog.Count > 0)
            {
                var activations = _runtime.Catalog.Activations.ToArray();
                foreach (var activation in activations)
                {
                    activation.RequestDeactivation(reason, drainQueue: true, afterPending: true);
                }

                await Task.WhenAll(activations.Select(a => a.Ended)).WaitAsync(bounded.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (bounded.IsCancellationRequested)
        {
            _runtime.Log.SiloStopCancelled(_runtime.Catalog.Count);
        }

        _runtime.Status = SiloStatus.Stopped;
        RuntimeGauges.Remove(_runtime);
        _runtime.SignalStopping();
        if (_timeoutTimer is not null)
        {
            await _timeoutTimer.DisposeAsync().ConfigureAwait(false);
        }

        await _runtime.Reminders.DisposeAsync().ConfigureAwait(false);
        _runtime.Log.SiloStopped();
    }

    /// <summary>Stops the silo (when running) and releases what it owns.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        if (_ownedServices is not null)
        {
            await _ownedServices.DisposeAsync().ConfigureAwait(false);
        }
    }

    private void CollectIdle()
    {
        if (Interlocked.Exchange(ref _idleBusy, 1) == 0)
        {
            _runtime.RunPeriodic("idle collection", _runtime.Catalog.CollectIdle);
            Volatile.Write(ref _idleBusy, 0);
        }
    }

    private void CheckTimeouts()
    {
        if (Interlocked.Exchange(ref _timeoutBusy, 1) == 0)
        {
            _runtime.RunPeriodic("call timeouts", () => _runtime.Catalog.CheckTimeouts(_runtime.TimeoutBuffer));
            Volatile.Write(ref _timeoutBusy, 0);
        }
    }
}
