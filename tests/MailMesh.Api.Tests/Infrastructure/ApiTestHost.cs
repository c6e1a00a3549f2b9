using System.Collections.Concurrent;
using System.Net;
using MailMesh.Api.Hosting;
using MailMesh.Client;
using MailMesh.Grains.Mailboxes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MailMesh.Api.Tests.Infrastructure;

/// <summary>An embedded silo (grain runtime + SQLite in a temp dir) serving the API on 127.0.0.1 over h2c.</summary>
public sealed class ApiTestHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly bool _ownsDirectory;

    private ApiTestHost(WebApplication app, string directory, bool ownsDirectory, Uri address, string operatorKey, LogSignals logs)
    {
        _app = app;
        Directory = directory;
        _ownsDirectory = ownsDirectory;
        Address = address;
        OperatorKey = operatorKey;
        Logs = logs;
    }

    public string Directory { get; }

    public Uri Address { get; }

    /// <summary>The first admin key of the operator tenant, as written by the bootstrap.</summary>
    public string OperatorKey { get; }

    public LogSignals Logs { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<ApiTestHost> StartAsync(string? directory = null, Action<MailMeshApiOptions>? configure = null)
    {
        var ownsDirectory = directory is null;
        directory ??= System.IO.Directory.CreateTempSubdirectory("mailmesh-api-").FullName;
        var builder = WebApplication.CreateSlimBuilder();
        var logs = new LogSignals();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(logs);
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
        builder.Services.AddMailMeshRuntime();
        builder.Services.AddMailMeshSqliteStorage(o =>
        {
            o.DatabasePath = Path.Combine(directory, "mailmesh.db");
            o.EventPollInterval = TimeSpan.FromMilliseconds(50);
        });
        builder.Services.AddGrainsFromAssembly(typeof(MailboxGrain).Assembly);
        builder.Services.AddGrainsFromAssembly(typeof(EventEmitterGrain).Assembly);
        builder.Services.AddMailMeshApi(o =>
        {
            o.BootstrapKeyFile = Path.Combine(directory, "operator.key");
            configure?.Invoke(o);
        });
        var app = builder.Build();
        app.MapMailMeshGrpc();
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        var key = (await File.ReadAllTextAsync(Path.Combine(directory, "operator.key"))).Trim();
        return new ApiTestHost(app, directory, ownsDirectory, address, key, logs);
    }

    public MailMeshClient Client(string? key) => new(Address, new GrpcChannelOptions { ApiKey = key, DefaultTimeout = TimeSpan.FromSeconds(20) });

    /// <summary>Stops the host but keeps its directory (for restart tests).</summary>
    public async Task StopAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        catch (ObjectDisposedException)
        {
            // Already stopped by a restart test.
        }

        if (_ownsDirectory)
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }
}

/// <summary>Collects log entries and lets a test await one by event id.</summary>
public sealed class LogSignals : ILoggerProvider
{
    private readonly ConcurrentDictionary<int, TaskCompletionSource> _signals = new();
    private readonly ConcurrentQueue<(LogLevel Level, int EventId, string Message, Exception? Exception)> _entries = new();

    public IReadOnlyList<(LogLevel Level, int EventId, string Message, Exception? Exception)> Entries => [.. _entries];

    public Task Logged(int eventId) => Signal(eventId).Task;

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void Dispose()
    {
    }

    private TaskCompletionSource Signal(int eventId) =>
        _signals.GetOrAdd(eventId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    private sealed class Logger(LogSignals owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            owner._entries.Enqueue((logLevel, eventId.Id, formatter(state, exception), exception));
            owner.Signal(eventId.Id).TrySetResult();
        }
    }
}

public static class Wait
{
    public static async Task<T> For<T>(Task<T> task, string what)
    {
        await For((Task)task, what);
        return await task;
    }

    public static async Task For(Task task, string what)
    {
        try
        {
            await task.WaitAsync(TimeSpan.FromSeconds(20));
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"timed out after 20 s waiting for {what}");
        }
    }
}
