using MailMesh.Runtime.Cluster;
using MailMesh.Runtime.Internal.Activation;
using MailMesh.Runtime.Internal.Calls;
using MailMesh.Runtime.Internal.Reminders;
using MailMesh.Runtime.Internal.Scheduling;
using MailMesh.Runtime.Internal.Serialization;
using MailMesh.Runtime.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MailMesh.Runtime.Internal;

/// <summary>The parts of one silo, wired together; <see cref="Silo"/> is its public face.</summary>
internal sealed class SiloRuntime
{
    private readonly CancellationTokenSource _stopping = new();
    private IGrainStorage? _storage;

    public SiloRuntime(IServiceProvider services, GrainRuntimeOptions options, TimeProvider timeProvider,
        ILoggerFactory? loggerFactory, IEnumerable<GrainRegistration> registrations)
    {
        Services = services;
        Options = options;
        TimeProvider = timeProvider;
        Log = new RuntimeLog((loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("MailMesh.Runtime"));
        Copier = new DeepCopier(options.JsonOptions);
        ExceptionCopier = new ExceptionCopier(Copier);
        Types = new GrainTypeRegistry(registrations);
        Catalog = new Catalog(this, Types);
        Invoker = new GrainCallInvoker(this);
        Reminders = new ReminderService(this, services.GetService<IReminderTable>());
        Router = services.GetService<IGrainCallRouter>();
    }

    /// <summary>The cluster fabric's router; null in embedded mode (every grain is local).</summary>
    public IGrainCallRouter? Router { get; }

    public IServiceProvider Services { get; }

    public GrainRuntimeOptions Options { get; }

    public TimeProvider TimeProvider { get; }

    public RuntimeLog Log { get; }

    public DeepCopier Copier { get; }

    public ExceptionCopier ExceptionCopier { get; }

    public GrainTypeRegistry Types { get; }

    public Catalog Catalog { get; }

    public GrainCallInvoker Invoker { get; }

    public IGrainFactory GrainFactory => Invoker;

    public ReminderService Reminders { get; }

    public volatile SiloStatus Status = SiloStatus.Created;

    /// <summary>Cancelled when the silo stops.</summary>
    public CancellationToken StoppingToken => _stopping.Token;

    public IGrainStorage Storage => _storage ??= Services.GetService<IGrainStorage>()
        ?? throw new InvalidOperationException(
            "No IGrainStorage is registered: add a storage provider (e.g. services.AddMailMeshSqliteStorage(...)) to use persistent state.");

    public void SignalStopping() => _stopping.Cancel();

    /// <summary>External calls need a running silo; calls made by grains are also taken while it drains.</summary>
    public void EnsureAcceptsCall(CallChain? caller, GrainId grain)
    {
        var status = Status;
        if (status == SiloStatus.Running || (status == SiloStatus.Stopping && caller is not null))
        {
            return;
        }

        throw new SiloUnavailableException(status switch
        {
            SiloStatus.Created => $"The silo has not been started; call StartAsync before calling {grain}.",
            _ => $"The silo is {(status == SiloStatus.Stopping ? "shutting down" : "stopped")} and takes no new calls (call to {grain}).",
        });
    }

    public void EnsureMayActivate(GrainId grain)
    {
        if (Status != SiloStatus.Running)
        {
            throw new SiloUnavailableException($"The silo is {Status.ToString().ToLowerInvariant()}; it does not activate {grain}.");
        }
    }

    internal void RunPeriodic(string name, Action action)
    {
        try
        {
            action();
        }
        catch (Exception e)
        {
            Log.PeriodicTaskFailed(name, e);
        }
    }

    internal List<(ITimedTurn Turn, string Detail)> TimeoutBuffer { get; } = [];
}
