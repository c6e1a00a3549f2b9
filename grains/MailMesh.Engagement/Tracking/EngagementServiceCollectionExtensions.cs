using MailMesh.Campaigns.Links;
using MailMesh.Engagement.Classification;
using MailMesh.Engagement.Scoring;
using MailMesh.Engagement.Tracking;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers open and click tracking, the unsubscribe and form pages, classification and the engagement model.</summary>
public static class EngagementServiceCollectionExtensions
{
    /// <summary>Adds the engagement grains, the tracking endpoints, their queue and writer, the hit store
    /// (<c>&lt;data&gt;/engagement.db</c>), the classifier and the engagement pass, with options from the <c>Tracking</c> and
    /// <c>Engagement</c> sections. The token codec comes from the same <c>Tracking</c> keys unless one is registered already.
    /// Start it with <see cref="TrackingListener"/> (the silo host does through <see cref="AddTrackingListenerService"/>).</summary>
    public static IServiceCollection AddEngagementTracking(this IServiceCollection services, IConfiguration configuration, string dataDirectory)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentException.ThrowIfNullOrEmpty(dataDirectory);
        services.AddOptions<TrackingListenerOptions>()
            .Bind(configuration.GetSection(TrackingListenerOptions.Section))
            .PostConfigure(o =>
            {
                o.HitStorePath ??= Path.Combine(dataDirectory, "engagement.db");
                o.KeyPath ??= Path.Combine(dataDirectory, "tracking.key");
                o.SpillDirectory ??= Path.Combine(dataDirectory, "tracking-spill");
            })
            .Validate(o => Uri.TryCreate(o.Listen, UriKind.Absolute, out var u) && u.Scheme is "http" or "https",
                "Tracking:Listen must be an http(s) URL such as http://127.0.0.1:5082 (MAILMESH__TRACKING__LISTEN).")
            .Validate(o => o.QueueCapacity is >= 16 and <= 10_000_000, "Tracking:QueueCapacity must be 16-10000000.")
            .Validate(o => o.SpillLimitBytes >= 0 && o.SpillSegmentBytes is >= 4096 and <= 1L << 30,
                "Tracking:SpillLimitBytes must be 0 or more and Tracking:SpillSegmentBytes 4096-1073741824.")
            .Validate(o => o.SpillSyncInterval >= TimeSpan.Zero && o.SpillRetryAfter >= TimeSpan.FromSeconds(1),
                "Tracking:SpillSyncInterval must be 00:00:00 or more and Tracking:SpillRetryAfter at least 00:00:01.")
            .Validate(o => o.BatchSize is >= 1 and <= 100_000, "Tracking:BatchSize must be 1-100000.")
            .Validate(o => o.SpillBatchSize is >= 1 and <= 100_000, "Tracking:SpillBatchSize must be 1-100000.")
            .Validate(o => o.GrainConcurrency is >= 1 and <= 1024, "Tracking:GrainConcurrency must be 1-1024.")
            .Validate(o => o.MaxFormBytes is >= 1024 and <= 1_048_576 && o.MaxFormFields is >= 4 and <= 1000,
                "Tracking:MaxFormBytes must be 1024-1048576 and Tracking:MaxFormFields 4-1000.")
            .ValidateOnStart();
        services.AddOptions<TrackingWriterOptions>().Bind(configuration.GetSection(TrackingWriterOptions.Section))
            .Validate(o => o.YieldAbove >= 0 && o.YieldLimit >= TimeSpan.Zero && o.YieldLimit <= TimeSpan.FromMinutes(10),
                "Tracking:Writer:YieldAbove must be 0 or more (0: never yield) and Tracking:Writer:YieldLimit 00:00:00-00:10:00.")
            .ValidateOnStart();
        services.AddOptions<ClassificationOptions>().Bind(configuration.GetSection(TrackingListenerOptions.Section + ":Classification"));
        services.AddOptions<EngagementOptions>().Bind(configuration.GetSection(EngagementOptions.Section))
            .Validate(o => o.ScoreHalfLife > TimeSpan.Zero && o.ScoreScale > 0 && o.ActiveWindow > TimeSpan.Zero && o.DormantAfter > o.ActiveWindow,
                "Engagement: ScoreHalfLife, ScoreScale and ActiveWindow must be positive and DormantAfter longer than ActiveWindow.")
            .Validate(o => o.PassInterval >= TimeSpan.FromSeconds(1), "Engagement:PassInterval must be at least 00:00:01.")
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        TrackingOptions.AddTo(services, configuration);
        services.TryAddSingleton(sp => TrackingKeys.Load(
            sp.GetRequiredService<IOptions<TrackingOptions>>().Value, sp.GetRequiredService<IOptions<TrackingListenerOptions>>().Value, dataDirectory));
        services.TryAddSingleton(sp => new TrackingTokenCodec(
            sp.GetRequiredService<TrackingKeyRing>(), sp.GetRequiredService<IOptions<TrackingOptions>>().Value.TokenLifetime, sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(sp => new HitStore(sp.GetRequiredService<IOptions<TrackingListenerOptions>>().Value.HitStorePath!));
        // A cluster registers its shared store before this (AddPostgreSqlEngagementStores); the SQLite file serves otherwise.
        services.TryAddSingleton<IHitStore>(sp => sp.GetRequiredService<HitStore>());
        services.TryAddSingleton<HitClassifier>();
        services.TryAddSingleton<TrackingSpill>();
        services.TryAddSingleton<TrackingHitQueue>();
        services.TryAddSingleton<TrackingWriter>();
        services.TryAddSingleton<TrackingEndpoints>();
        services.TryAddSingleton<TrackingListener>();
        services.TryAddSingleton<EngagementPass>();
        services.AddGrainsFromAssembly(typeof(ContactEngagementGrain).Assembly);
        return services;
    }

    /// <summary>Adds routes to the tracking listener (e.g. the provider bounce webhook).</summary>
    public static IServiceCollection AddTrackingRoutes(this IServiceCollection services, Action<IEndpointRouteBuilder> map)
    {
        ArgumentNullException.ThrowIfNull(map);
        services.AddSingleton(new TrackingRoutes(map));
        return services;
    }

    /// <summary>Runs the tracking listener (when <see cref="TrackingListenerOptions.Enabled"/>) and the periodic engagement pass as a
    /// hosted service. Register it after the grain runtime so it stops (and drains) before the runtime does.</summary>
    public static IServiceCollection AddTrackingListenerService(this IServiceCollection services)
    {
        services.AddHostedService<TrackingHostedService>();
        return services;
    }

    private sealed class TrackingHostedService(
        TrackingListener listener, EngagementPass pass, IOptions<TrackingListenerOptions> options, Microsoft.Extensions.Logging.ILogger<TrackingListener> logger) : IHostedService
    {
        private readonly CancellationTokenSource _stopping = new();
        private Task? _pass;

        public async Task StartAsync(CancellationToken cancellationToken)
        {
            if (!options.Value.Enabled)
            {
                return;
            }

            try
            {
                await listener.StartAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException)
            {
                // The port is taken (Kestrel reports it as an IOException, or as the bare SocketException when another
                // process binds it between Kestrel's checks), often by a second silo on one machine: the silo keeps serving everything else.
                TrackingLog.BindFailed(logger, e, options.Value.Listen);
            }

            _pass = pass.RunPeriodicallyAsync(_stopping.Token);
        }

        public async Task StopAsync(CancellationToken cancellationToken)
        {
            if (!options.Value.Enabled)
            {
                return;
            }

            await _stopping.CancelAsync().ConfigureAwait(false);
            if (_pass is not null)
            {
                try
                {
                    await _pass.WaitAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // The pass stops at cancellation; its next run resumes where it left.
                }
            }

            await listener.StopAsync(cancellationToken).ConfigureAwait(false);
            await listener.DisposeAsync().ConfigureAwait(false);
            _stopping.Dispose();
        }
    }
}
