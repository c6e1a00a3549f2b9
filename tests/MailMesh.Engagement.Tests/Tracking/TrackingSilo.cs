using MailMesh.Blobs;
using MailMesh.Campaigns.Links;
using MailMesh.Engagement.Tracking;
using MailMesh.Grains.Contacts;
using MailMesh.Grains.Engagement;
using MailMesh.Runtime;
using MailMesh.Runtime.Hosting;
using MailMesh.Runtime.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace MailMesh.Engagement.Tests.Tracking;

/// <summary>An embedded silo (SQLite state, the audience, engagement tracking) with the tracking listener on a free
/// loopback port and an HTTP client that follows no redirects.</summary>
public sealed class TrackingSilo : IAsyncDisposable
{
    private readonly string _directory;
    private bool _stopped;

    private TrackingSilo(string directory, Silo silo, TrackingListener listener)
    {
        _directory = directory;
        Silo = silo;
        Listener = listener;
        Http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, MaxConnectionsPerServer = 256 })
        {
            BaseAddress = listener.Address,
            Timeout = TimeSpan.FromSeconds(60),
        };
        // A person's mail client; the classifier counts a request with no user agent as a machine.
        Http.DefaultRequestHeaders.UserAgent.ParseAdd(Browser);
    }

    public const string Browser = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Thunderbird/128.0";

    public Silo Silo { get; }

    public TrackingListener Listener { get; }

    public HttpClient Http { get; }

    public IGrainFactory Grains => Silo.GrainFactory;

    public TrackingTokenCodec Codec => Silo.Services.GetRequiredService<TrackingTokenCodec>();

    public TrackingWriter Writer => Silo.Services.GetRequiredService<TrackingWriter>();

    public TrackingHitQueue Queue => Silo.Services.GetRequiredService<TrackingHitQueue>();

    public HitStore Store => Silo.Services.GetRequiredService<HitStore>();

    public TimeProvider Time => Silo.Services.GetRequiredService<TimeProvider>();

    /// <summary>Starts the silo and, unless <paramref name="listen"/> is false, the tracking listener and its writer;
    /// <paramref name="services"/> adds to (or replaces) the silo's services before the engagement ones are added.</summary>
    public static async Task<TrackingSilo> StartAsync(
        IReadOnlyDictionary<string, string?>? settings = null, TimeProvider? time = null, bool listen = true, Action<IServiceCollection>? services = null)
    {
        var directory = Path.Combine(Path.GetTempPath(), "mailmesh-engagement-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        var all = new Dictionary<string, string?> { ["Tracking:Listen"] = "http://127.0.0.1:0" };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(all).Build();
        var silo = await new SiloBuilder().ConfigureServices(collection =>
        {
            services?.Invoke(collection);
            collection.AddSingleton<IConfiguration>(configuration);
            collection.AddLogging();
            if (time is not null)
            {
                collection.AddSingleton(time);
            }

            collection.AddMailMeshSqliteStorage(o => o.DatabasePath = Path.Combine(directory, "silo.db"));
            collection.AddMailMeshBlobStore(configuration, Path.Combine(directory, "blobs"));
            collection.AddAudience(configuration, directory);
            collection.AddEngagementTracking(configuration, directory);
        }).StartAsync();
        var listener = silo.Services.GetRequiredService<TrackingListener>();
        if (listen)
        {
            await listener.StartAsync();
        }

        return new TrackingSilo(directory, silo, listener);
    }

    /// <summary>A token for <paramref name="contact"/> in <paramref name="tenant"/>.</summary>
    public string Token(TrackingKind kind, string contact = "jane@example.com", string tenant = "acme", string campaign = "spring",
        string? list = null, string? target = null, int link = 0, DateTimeOffset? issuedAt = null) =>
        Codec.Encode(new TrackingClaims(kind, tenant, campaign, contact, issuedAt ?? Time.GetUtcNow().AddMinutes(-10), link, list, target));

    public async Task<ContactInfo> CreateContactAsync(string address = "jane@example.com", string tenant = "acme", params string[] lists) =>
        (await Grains.GetGrain<IContactGrain>(ContactAddress.KeyFor(tenant, address)).Upsert(new ContactChange(AddLists: lists))).Contact;

    public Task<ContactInfo?> ContactAsync(string address = "jane@example.com", string tenant = "acme") =>
        Grains.GetGrain<IContactGrain>(ContactAddress.KeyFor(tenant, address)).Get();

    /// <summary>Asserts that the writer stored and handed over every one of <paramref name="count"/> hits of campaign
    /// <c>spring</c> on jane and joe exactly once: in the hit store, as events and in the contacts' counts, with nothing
    /// refused, left pending or left in an open hand-over.</summary>
    public async Task AssertEveryHitCountedOnceAsync(int count)
    {
        var opens = await Store.CountAsync("acme", "spring", HitKind.Open);
        var clicks = await Store.CountAsync("acme", "spring", HitKind.Click);
        Assert.Equal(count, opens.Raw + clicks.Raw);
        Assert.Equal(count, (await EventsAsync("acme", "message")).Count);
        var jane = (await ContactAsync())!.Engagement;
        var joe = (await ContactAsync("joe@example.com"))!.Engagement;
        Assert.Equal(count, jane.Opens + jane.Clicks + joe.Opens + joe.Clicks);
        Assert.Equal(0, Queue.Refused);
        Assert.Empty(await Store.OpenHandOversAsync(Time.GetUtcNow().AddMinutes(1), 10));
        Assert.Empty(await Store.PendingAsync(10));
    }

    public async Task<IReadOnlyList<EventRecord>> EventsAsync(string tenant, string typePrefix) =>
        await Silo.Services.GetRequiredService<IEventLog>().ReadAsync(1, 1_000_000, new EventFilter(tenant, typePrefix));

    /// <summary>Waits (bounded) until the writer has handed every queued hit over.</summary>
    public async Task DrainAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await Writer.WaitIdleAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"The tracking writer did not go idle within 60 s ({Queue.Depth} hits still queued).");
        }
    }

    /// <summary>Stops the listener (draining the writer); later disposal skips it.</summary>
    public async Task StopListenerAsync()
    {
        _stopped = true;
        await Listener.StopAsync();
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (!_stopped)
        {
            await Listener.StopAsync();
        }

        await Listener.DisposeAsync();
        await Silo.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A pooled SQLite connection still holds a file: the OS temp cleanup removes it.
        }
    }
}
