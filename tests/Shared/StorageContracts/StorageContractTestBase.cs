namespace MailMesh.Runtime.Storage.Contracts;

/// <summary>Common set-up of the storage contract tests: a fresh backend per test, reopened on demand.</summary>
public abstract class StorageContractTestBase : IAsyncLifetime
{
    /// <summary>Longest a test waits for something that should happen at once; failures say what was awaited.</summary>
    protected static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private StorageBackend? _backend;

    /// <summary>The backend under test.</summary>
    protected StorageBackend Backend => _backend ?? throw new InvalidOperationException("The backend is created in InitializeAsync.");

    /// <summary>Creates a fresh, empty backend.</summary>
    protected abstract Task<StorageBackend> CreateBackendAsync();

    /// <summary>Restarts the backend over the same data.</summary>
    protected async Task ReopenAsync() => _backend = await Backend.ReopenAsync();

    public async Task InitializeAsync() => _backend = await CreateBackendAsync();

    public async Task DisposeAsync()
    {
        if (_backend is not null)
        {
            await _backend.DisposeAsync();
        }
    }

    protected static GrainId Grain(string key = "acme/box-1", string type = "MailMesh.Tests.ICounterGrain") => GrainId.Create(type, key);

    protected static EventDraft Event(string type = "mailbox.created", string tenant = "acme", string subject = "acme/box-1", string payload = "{\"n\":1}") =>
        new(Guid.NewGuid(), tenant, type, subject, new DateTimeOffset(2026, 11, 22, 10, 30, 15, 123, TimeSpan.FromHours(2)).AddTicks(4567), payload);

    protected static byte[] Json(string text) => System.Text.Encoding.UTF8.GetBytes(text);

    protected static async Task<T> Within<T>(Task<T> task, string waitingFor)
    {
        try
        {
            return await task.WaitAsync(Patience);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"Waited {Patience.TotalSeconds} s for {waitingFor}.");
        }
    }

    protected static async Task Within(Task task, string waitingFor)
    {
        try
        {
            await task.WaitAsync(Patience);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"Waited {Patience.TotalSeconds} s for {waitingFor}.");
        }
    }
}
