using System.Diagnostics;
using System.Globalization;
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

namespace MailMesh.Bench.Engagement;

/// <summary>Open-pixel and click-redirect requests/s of the tracking listener under wrk (100 connections over loopback),
/// against nginx serving a static 1x1 GIF and a fixed 302 in the same run; then counts the events to show none was lost.
/// Usage: <c>MailMesh.Bench.Engagement [--duration 10] [--warmup 10] [--connections 100] [--threads 2] [--writer-only N]
/// [--contacts N [--campaigns M]] [--grain-concurrency N] [--batch-size N] [--spill-batch-size N] [--queue-capacity N]
/// [--yield-above N] [--yield-while-spilling 0|1]</c>
/// (<c>--writer-only</c>: no HTTP, N hits queued straight to the writer twice, the CPU per hit of the second round;
/// <c>--contacts</c>: the hits of N contacts over M campaigns, with a browser's User-Agent, instead of one contact's
/// machine hits, see <see cref="Spread"/>; nginx gets the same paths and header; <c>--grain-concurrency</c>: the writer's
/// <c>Tracking:GrainConcurrency</c> instead of its default; <c>--batch-size</c> and <c>--spill-batch-size</c>: its
/// <c>Tracking:BatchSize</c> and <c>Tracking:SpillBatchSize</c>; <c>--queue-capacity</c>: its <c>Tracking:QueueCapacity</c> (a
/// large one spills nothing); <c>--yield-above</c> and <c>--yield-while-spilling</c>: its <c>Tracking:Writer:YieldAbove</c>
/// (0: never yield) and <c>Tracking:Writer:YieldWhileSpilling</c>). The warm-up (per
/// endpoint) lets tiered compilation finish: with 3 s on a loaded machine, a third of the measured CPU was the JIT
/// recompiling hot methods (tier 0, instrumented, tier 1), a cost a long-running silo pays once; 5 s rounds of both
/// endpoints follow until a round compiles fewer than 50 methods (at most 6).</summary>
public static class TrackingBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        var duration = Option(args, "--duration", 10);
        var connections = Option(args, "--connections", 100);
        var threads = Option(args, "--threads", 2);
        var warmup = Option(args, "--warmup", 10);
        var writerOnly = Option(args, "--writer-only", 0);
        var contacts = Option(args, "--contacts", 1);
        var campaigns = Option(args, "--campaigns", 1);
        var grainConcurrency = Option(args, "--grain-concurrency", 0);
        var batchSize = Option(args, "--batch-size", 0);
        var spillBatchSize = Option(args, "--spill-batch-size", 0);
        var queueCapacity = Option(args, "--queue-capacity", 0);
        var yieldAbove = Option(args, "--yield-above", -1);
        var yieldWhileSpilling = Option(args, "--yield-while-spilling", -1);
        var wrk = Tools.Find("wrk");
        var nginxPath = Tools.Find("nginx", "/usr/sbin/nginx");
        if (wrk is null || nginxPath is null)
        {
            Console.Error.WriteLine($"wrk ({wrk ?? "missing"}) and nginx ({nginxPath ?? "missing"}) are needed: scripts/install-deps.sh installs them (Debian wrk, nginx-light).");
            return 2;
        }

        var directory = Path.Combine(Path.GetTempPath(), "mailmesh-bench-engagement", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        Console.WriteLine($"load: {File.ReadAllText("/proc/loadavg").Trim()}; wrk -t{threads} -c{connections} -d{duration}s; {Environment.ProcessorCount} cores; " +
            (contacts > 1 ? $"{contacts} contacts over {campaigns} campaigns, browser User-Agent" : "one contact, no User-Agent"));
        var settings = new Dictionary<string, string?> { ["Tracking:Listen"] = "http://127.0.0.1:0" };
        if (grainConcurrency > 0)
        {
            settings["Tracking:GrainConcurrency"] = grainConcurrency.ToString(CultureInfo.InvariantCulture);
        }

        if (batchSize > 0)
        {
            settings["Tracking:BatchSize"] = batchSize.ToString(CultureInfo.InvariantCulture);
        }

        if (spillBatchSize > 0)
        {
            settings["Tracking:SpillBatchSize"] = spillBatchSize.ToString(CultureInfo.InvariantCulture);
        }

        if (queueCapacity > 0)
        {
            settings["Tracking:QueueCapacity"] = queueCapacity.ToString(CultureInfo.InvariantCulture);
        }

        if (yieldAbove >= 0)
        {
            settings["Tracking:Writer:YieldAbove"] = yieldAbove.ToString(CultureInfo.InvariantCulture);
        }

        if (yieldWhileSpilling >= 0)
        {
            settings["Tracking:Writer:YieldWhileSpilling"] = yieldWhileSpilling == 0 ? "false" : "true";
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var silo = await new SiloBuilder().ConfigureServices(services =>
        {
            services.AddSingleton<IConfiguration>(configuration);
            services.AddLogging();
            services.AddMailMeshSqliteStorage(o => o.DatabasePath = Path.Combine(directory, "silo.db"));
            services.AddMailMeshBlobStore(configuration, Path.Combine(directory, "blobs"));
            services.AddAudience(configuration, directory);
            services.AddEngagementTracking(configuration, directory);
        }).StartAsync().ConfigureAwait(false);
        var listener = silo.Services.GetRequiredService<TrackingListener>();
        await listener.StartAsync().ConfigureAwait(false);
        await using var nginx = await Nginx.StartAsync(nginxPath, directory).ConfigureAwait(false);
        try
        {
            await silo.GrainFactory.GetGrain<IContactGrain>(ContactAddress.KeyFor("bench", "reader@example.com")).Upsert(new ContactChange()).ConfigureAwait(false);
            var codec = silo.Services.GetRequiredService<TrackingTokenCodec>();
            var claims = new TrackingClaims(TrackingKind.Open, "bench", "launch", "reader@example.com", DateTimeOffset.UtcNow.AddHours(-1));
            var urls = new TrackingUrls(listener.Address!.ToString(), codec);
            var pixel = urls.Open(claims);
            var click = urls.Click(claims, 0, "https://shop.example.com/spring?utm_source=mail");
            var spread = contacts > 1
                ? await Spread.CreateAsync(silo.GrainFactory, urls, "bench", contacts, campaigns, claims.IssuedAt, directory).ConfigureAwait(false)
                : null;
            if (writerOnly > 0)
            {
                return await WriterOnlyAsync(silo, writerOnly, spread is null ? 1 : contacts, campaigns).ConfigureAwait(false);
            }

            var runner = new WrkRunner(wrk, threads, connections, spread is null ? null : Browser);

            Console.WriteLine($"warm-up ({warmup} s each, not counted in the comparison)");
            Func<TimeSpan> ourCpu = () => Process.GetCurrentProcess().TotalProcessorTime;
            await runner.RunAsync(pixel, warmup, ourCpu, spread?.PixelScript).ConfigureAwait(false);
            await runner.RunAsync(click, warmup, ourCpu, spread?.ClickScript).ConfigureAwait(false);
            // On a loaded machine tiered compilation is still promoting hot methods after the warm-up: more rounds until a
            // round of both endpoints compiles few methods, so the measured CPU is the steady state a running silo has.
            for (var extra = 0; extra < 6; extra++)
            {
                var compiled = System.Runtime.JitInfo.GetCompiledMethodCount();
                await runner.RunAsync(pixel, 5, ourCpu, spread?.PixelScript).ConfigureAwait(false);
                await runner.RunAsync(click, 5, ourCpu, spread?.ClickScript).ConfigureAwait(false);
                var more = System.Runtime.JitInfo.GetCompiledMethodCount() - compiled;
                Console.WriteLine($"  {more} methods compiled in that warm-up round");
                if (more < 50)
                {
                    break;
                }
            }
            await silo.Services.GetRequiredService<TrackingWriter>().WaitIdleAsync().ConfigureAwait(false);

            var writer = silo.Services.GetRequiredService<TrackingWriter>();
            var results = new List<(string Name, WrkResult Peer, WrkResult Ours, double WithDrain)>();
            foreach (var (name, ours, peer, script) in new[]
            {
                ("open pixel", pixel, nginx.PixelUrl, spread?.PixelScript), ("click redirect", click, nginx.RedirectUrl, spread?.ClickScript),
            })
            {
                var peerResult = await runner.RunAsync(peer, duration, nginx.CpuTime, script).ConfigureAwait(false);
                var queue = silo.Services.GetRequiredService<TrackingHitQueue>();
                var (spilledBefore, writtenBefore) = (queue.Spilled, writer.Written);
                var ourResult = await runner.RunAsync(ours, duration, ourCpu, script).ConfigureAwait(false);
                // The writer may still hold hits of this run: its CPU to finish them belongs to these requests too.
                var (backlog, spilled) = (queue.Depth, queue.Spill.Hits);
                var (spilledInRun, takenInRun) = (queue.Spilled - spilledBefore, writer.Written - writtenBefore);
                var before = ourCpu();
                var drainWall = Stopwatch.StartNew();
                await writer.WaitIdleAsync().ConfigureAwait(false);
                var drain = ourCpu() - before;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  during the run {spilledInRun} hits went to the spill journal and the writer took {takenInRun}; backlog after it {backlog} hits in memory and {spilled} in the spill journal, drained in {drainWall.Elapsed.TotalSeconds:F1} s with {drain.TotalSeconds:F2} s CPU"));
                results.Add((name, peerResult, ourResult, ourResult.CpuMicrosPerRequest + drain.TotalMicroseconds / Math.Max(ourResult.Requests, 1)));
            }

            Console.WriteLine();
            Console.WriteLine("| endpoint | nginx req/s | MailMesh req/s | ratio (wall) | nginx CPU µs/req | MailMesh CPU µs/req | ratio (CPU) | MailMesh µs/req with the writer's drain | non-2xx/3xx |");
            Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var (name, peer, ours, withDrain) in results)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {name} | {peer.RequestsPerSecond:F0} | {ours.RequestsPerSecond:F0} | {ours.RequestsPerSecond / peer.RequestsPerSecond:F2}x | {peer.CpuMicrosPerRequest:F1} | {ours.CpuMicrosPerRequest:F1} | {peer.CpuMicrosPerRequest / ours.CpuMicrosPerRequest:F2}x | {withDrain:F1} | {ours.Errors} |"));
            }

            // The benchmark's named peer is nginx serving a static 1×1 GIF, for both endpoints; the click's row above
            // compares it with nginx's fixed 302 as well, a stricter peer (a redirect costs nginx less than a file).
            var gif = results[0].Peer.RequestsPerSecond;
            Console.WriteLine();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"against the named peer, nginx's static GIF ({gif:F0} req/s): {string.Join(", ", results.Select(r => $"{r.Name} {r.Ours.RequestsPerSecond / gif:F2}x"))} (target >= 0.5x)"));
            return await CountEventsAsync(silo, results.Sum(r => r.Ours.Requests)).ConfigureAwait(false);
        }
        finally
        {
            await listener.StopAsync().ConfigureAwait(false);
            await listener.DisposeAsync().ConfigureAwait(false);
            await silo.DisposeAsync().ConfigureAwait(false);
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
                // Left for the OS temp cleanup.
            }
        }
    }

    /// <summary>The writer alone: <paramref name="count"/> hits (opens and clicks in turn) of the bench contact, or of
    /// <paramref name="contacts"/> spread contacts in turn (human hits then), queued as fast as the queue takes them, then
    /// the CPU per hit until the writer is idle: store, grain turn, events.</summary>
    private static async Task<int> WriterOnlyAsync(Silo silo, int count, int contacts, int campaigns)
    {
        var queue = silo.Services.GetRequiredService<TrackingHitQueue>();
        var writer = silo.Services.GetRequiredService<TrackingWriter>();
        var issued = DateTimeOffset.UtcNow.AddHours(-1);
        HitRecord Hit(int i)
        {
            var now = DateTimeOffset.UtcNow;
            var click = i % 2 == 1;
            if (contacts > 1)
            {
                var campaign = Spread.Campaign(i % contacts % campaigns);
                return new HitRecord(Guid.CreateVersion7(now), click ? HitKind.Click : HitKind.Open, "bench", campaign, Spread.Contact(i % contacts), 0,
                    click ? $"https://shop.example.com/{campaign}/item-0?utm_source=mail" : null, now, issued, "127.0.0.1", Browser, false, null);
            }

            return new HitRecord(Guid.CreateVersion7(now), click ? HitKind.Click : HitKind.Open, "bench", "launch", "reader@example.com", 0,
                click ? "https://shop.example.com/spring?utm_source=mail" : null, now, issued, "127.0.0.1", null, true, "no-agent");
        }

        for (var round = 0; round < 2; round++)
        {
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var wall = Stopwatch.StartNew();
            for (var i = 0; i < count; i++)
            {
                await queue.EnqueueAsync(Hit(i)).ConfigureAwait(false);
            }

            await writer.WaitIdleAsync().ConfigureAwait(false);
            var used = Process.GetCurrentProcess().TotalProcessorTime - cpu;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{(round == 0 ? "warm-up" : "measured")}: {count} hits through the writer in {wall.Elapsed.TotalSeconds:F2} s, {used.TotalMicroseconds / count:F1} µs CPU/hit (queueing included)"));
        }

        return await CountEventsAsync(silo, 0).ConfigureAwait(false);
    }

    private static async Task<int> CountEventsAsync(Silo silo, long measuredRequests)
    {
        var queue = silo.Services.GetRequiredService<TrackingHitQueue>();
        var store = silo.Services.GetRequiredService<HitStore>();
        var events = silo.Services.GetRequiredService<IEventLog>();
        var opens = await store.CountAsync("bench", null, HitKind.Open).ConfigureAwait(false);
        var clicks = await store.CountAsync("bench", null, HitKind.Click).ConfigureAwait(false);
        long logged = 0;
        for (var from = 1L; ; )
        {
            var page = await events.ReadAsync(from, 50_000, new EventFilter("bench", "message")).ConfigureAwait(false);
            if (page.Count == 0)
            {
                break;
            }

            logged += page.Count;
            from = page[^1].Sequence + 1;
        }

        var stored = opens.Raw + clicks.Raw;
        Console.WriteLine();
        Console.WriteLine($"hits accepted {queue.Enqueued} (of which {queue.Spilled} through the spill journal), refused with 503 {queue.Refused}; " +
            $"stored {stored} (opens {opens.Raw}, clicks {clicks.Raw}; human {opens.Human} and {clicks.Human}); message.opened/clicked events {logged}; " +
            $"wrk counted {measuredRequests} responses in the measured runs (warm-up hits come on top)");
        var (unstored, unlogged) = (queue.Enqueued - stored, queue.Enqueued - logged);
        Console.WriteLine(unstored == 0 && unlogged == 0 ? "lost 0: every accepted hit stored and logged as an event" : $"LOST: {unstored} not stored, {unlogged} without event");
        if (queue.Refused > 0)
        {
            Console.WriteLine($"REFUSED: {queue.Refused} requests answered 503 (spill journal full or its disk failed)");
        }

        return unstored == 0 && unlogged == 0 && queue.Refused == 0 ? 0 : 1;
    }

    /// <summary>The User-Agent of the spread's requests: a person's mail client, so the hits count as human.</summary>
    private const string Browser = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Thunderbird/128.0";

    private static int Option(string[] args, string name, int fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
