using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using MailMesh.Campaigns.Composition;
using MailMesh.Campaigns.Sending;
using MailMesh.Grains.Campaigns;
using MailMesh.Grains.Contacts;
using MailMesh.Runtime;
using MailMesh.Runtime.Storage;
using MailMesh.Silo.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace MailMesh.Bench.Campaigns;

/// <summary>The campaign through the product's path: an embedded silo built by the silo host (SQLite grain store, event
/// log and send log), contacts, a segment, a template, a campaign with no throttle and an always-open window, scheduled
/// and timed from the schedule call to <c>campaign.completed</c>. The silo is restarted after seeding, so the campaign
/// reads its contacts from storage as it would after an import. Warm-up campaigns to other contacts run first.</summary>
internal static class GrainPathBench
{
    private const string Tenant = "acme";
    private const int MaxWarmupRounds = 5;

    /// <summary>Runs the bench into a dumping sink of its own, or with <paramref name="countingSink"/> into the test
    /// servers' counting sink (<see cref="BenchOptions.Host"/>:<see cref="BenchOptions.Port"/>: the sink's full ceiling,
    /// but what it received is not checked per recipient, only the send log's counts).</summary>
    public static async Task<int> RunAsync(BenchOptions o, int shards, int batchSize, bool countingSink)
    {
        foreach (var tool in new[] { "/usr/sbin/smtp-source", "/usr/sbin/smtp-sink", "/usr/bin/time" })
        {
            if (!File.Exists(tool))
            {
                Console.Error.WriteLine($"{tool} is missing (Debian packages postfix and time).");
                return 2;
            }
        }

        if (countingSink && !await CampaignBench.IsOpenAsync(o.Host, o.Port))
        {
            Console.Error.WriteLine($"Nothing listens on {o.Host}:{o.Port}; start the sink with `scripts/test-servers.sh up smtpsink`.");
            return 2;
        }

        using var sink = countingSink ? null : await DumpingSink.StartAsync();
        var (host, port) = sink is null ? (o.Host, o.Port) : ("127.0.0.1", sink.Port);
        var directory = Directory.CreateTempSubdirectory("mailmesh-bench-campaign-silo-");
        try
        {
            var settings = Settings(o, host, port, directory.FullName, shards, batchSize);
            Console.WriteLine($"Campaign through the grain path: {o.Messages} contacts, warm-up campaign {o.Warmup}, {shards} shards, batch {batchSize}, " +
                $"{o.Connections} connections, DKIM {o.Dkim}, smtp-sink {host}:{port} ({(sink is null ? "counting only" : "the bench's own, dumping")})");

            var seeding = Stopwatch.StartNew();
            await using (var seeder = await StartSiloAsync(settings))
            {
                await SeedAsync(seeder.Services.GetRequiredService<IGrainFactory>(), o.Messages, o.Warmup);
            }

            Console.WriteLine($"seeded {o.Messages + o.Warmup} contacts, a segment per list and the template in {seeding.Elapsed.TotalSeconds:F1} s; silo restarted");

            await using var silo = await StartSiloAsync(settings);
            var grains = silo.Services.GetRequiredService<IGrainFactory>();
            var events = silo.Services.GetRequiredService<IEventLog>();
            if (o.Warmup > 0)
            {
                // The JIT compiles a method again, optimized, once it has run a number of times. After one warm-up
                // campaign it was still doing so for 2–3 s into the measured campaign, at up to a third of the CPU. As in
                // the tracking bench, warm-up campaigns repeat until one compiles few methods, and the bench then waits
                // for the JIT to fall quiet; the measured campaign's own JIT work is printed after it.
                for (var round = 1; round <= MaxWarmupRounds; round++)
                {
                    var jitBefore = JitSnapshot.Take();
                    var (warmWall, warmCpu, _) = await RunCampaignAsync(grains, events, $"warmup-{round.ToString(CultureInfo.InvariantCulture)}", "warmup");
                    var jit = JitSnapshot.Take() - jitBefore;
                    Console.WriteLine($"warm-up: round {round}, {o.Warmup} messages in {warmWall:F2} s, CPU {warmCpu:F2} s; JIT {jit}");
                    if (jit.Methods < 50)
                    {
                        break;
                    }
                }

                Console.WriteLine($"JIT after the warm-up: {await JitSnapshot.QuietAsync(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(20))}");
            }

            var jitMeasured = JitSnapshot.Take();
            var (allocatedBefore, collectionsBefore) = (GC.GetTotalAllocatedBytes(), GC.CollectionCount(0));
            using var stages = new StageListener();
            var offset = sink?.DumpLength ?? 0;
            GC.Collect();
            var sinkBefore = SinkCpu.Seconds(host, port);
            var (wall, cpu, progress) = await RunCampaignAsync(grains, events, "bench", "everyone");
            var sinkCpu = SinkCpu.Seconds(host, port) - sinkBefore;
            Console.WriteLine($"JIT during the measured campaign: {JitSnapshot.Take() - jitMeasured}; allocated " +
                $"{(GC.GetTotalAllocatedBytes() - allocatedBefore) / 1024.0 / o.Messages:F1} KiB/msg, {GC.CollectionCount(0) - collectionsBefore} collections");
            var received = sink?.RecipientsFrom(offset);
            Console.WriteLine($"MailMesh:    {o.Messages} recipients scheduled → completed in {wall:F2} s = {o.Messages / wall:F0} msg/s, " +
                $"CPU {cpu:F2} s ({cpu * 1e6 / o.Messages:F0} µs/msg, whole process); sink CPU {sinkCpu * 1e6 / o.Messages:F0} µs/msg; " +
                $"send log: {progress.Sent} sent, {progress.Failed} failed, {progress.Sending} sending, {progress.Queued} queued");
            Console.WriteLine($"             batch stages (wall, summed over shards): {stages.Summary()}");
            if (progress.Sent != o.Messages)
            {
                Console.Error.WriteLine($"The send log has {progress.Sent} of {o.Messages} recipients sent.");
                return 1;
            }

            if (received is not null)
            {
                var twice = received.Count(r => r.Value > 1);
                var messages = received.Values.Sum();
                Console.WriteLine($"             sink received {messages} messages for {received.Count} recipients, {twice} recipients more than once");
                if (messages != o.Messages || received.Count != o.Messages || twice != 0)
                {
                    Console.Error.WriteLine($"The sink did not receive exactly one message for each of the {o.Messages} recipients.");
                    return 1;
                }
            }

            using var composition = CampaignBench.ComposerServices(o.Dkim);
            var sample = await CampaignBench.ComposeAsync(composition.GetRequiredService<ICampaignMessageComposer>(), CampaignBench.Template, 0);
            var peerSinkBefore = SinkCpu.Seconds(host, port);
            var (peerWall, peerCpu) = CampaignBench.RunSmtpSource(o with { Host = host, Port = port }, sample.Content);
            var peerSink = (SinkCpu.Seconds(host, port) - peerSinkBefore) * 1e6 / o.Messages;
            Console.WriteLine($"smtp-source: {o.Messages} messages in {peerWall:F2} s = {o.Messages / peerWall:F0} msg/s, CPU {peerCpu:F2} s ({peerCpu * 1e6 / o.Messages:F0} µs/msg); " +
                $"sink CPU {peerSink:F0} µs/msg");

            // On a machine with nothing else running, MailMesh and the sink share its cores: at half smtp-source's rate
            // the two together may spend (cores / half that rate) of CPU per message.
            var budget = Environment.ProcessorCount * 1e6 / (0.5 * o.Messages / peerWall) - sinkCpu * 1e6 / o.Messages;
            Console.WriteLine($"CPU budget for 0.5x on {Environment.ProcessorCount} idle cores: {budget:F0} µs/msg for MailMesh " +
                $"({Environment.ProcessorCount} cores / {0.5 * o.Messages / peerWall:F0} msg/s, less the sink's {sinkCpu * 1e6 / o.Messages:F0} µs/msg)");
            Console.WriteLine($"rate ratio MailMesh/smtp-source: {peerWall / wall:F2}x (target >= 0.5x); CPU per message MailMesh/smtp-source: {cpu / peerCpu:F2}x; " +
                $"load {File.ReadAllText("/proc/loadavg").Trim()}");
            return 0;
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            directory.Delete(recursive: true);
        }
    }

    private static string[] Settings(BenchOptions o, string sinkHost, int sinkPort, string directory, int shards, int batchSize)
    {
        var settings = new Dictionary<string, string>
        {
            ["Silo:DataDirectory"] = directory,
            ["Kestrel:Endpoints:Http:Url"] = FreeUrl(),
            ["Kestrel:Endpoints:Grpc:Url"] = FreeUrl(),
            ["Tracking:Listen"] = FreeUrl(),
            ["Tracking:PublicBaseUrl"] = "https://t.example.com",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Campaigns:Relay:Host"] = sinkHost,
            ["Campaigns:Relay:Port"] = sinkPort.ToString(CultureInfo.InvariantCulture),
            ["Campaigns:Relay:Tls"] = "None",
            ["Campaigns:Relay:LocalDomain"] = "bench.mailmesh.test",
            ["Campaigns:Relay:MaxConnections"] = o.Connections.ToString(CultureInfo.InvariantCulture),
            ["Campaigns:Relay:MaxMessagesPerConnection"] = "1000000",
            ["Campaigns:Composition:ReturnPathDomain"] = "bounces.example.com",
            ["Campaigns:Composition:ListIdDomain"] = "lists.example.com",
            ["Campaigns:Shards"] = shards.ToString(CultureInfo.InvariantCulture),
            ["Campaigns:BatchSize"] = batchSize.ToString(CultureInfo.InvariantCulture),
        };
        foreach (var (key, value) in CampaignBench.DkimSettings(o.Dkim))
        {
            settings[key] = value;
        }

        return [.. settings.SelectMany(s => new[] { "--" + s.Key, s.Value })];
    }

    private static async Task<WebApplication> StartSiloAsync(string[] settings)
    {
        var app = SiloHost.Build(settings);
        await app.StartAsync();
        return app;
    }

    /// <summary>Contacts <c>contact{i}@example.net</c> on list newsletter (segment everyone) and <c>warm{i}@example.org</c>
    /// on list warmup (segment warmup), the attributes the template uses, and the template.</summary>
    private static async Task SeedAsync(IGrainFactory grains, int contacts, int warmup)
    {
        var schema = grains.GetGrain<IContactSchemaGrain>(Tenant + "/contact-schema");
        await schema.Define(new AttributeDefinition("tier", AttributeType.String));
        await schema.Define(new AttributeDefinition("customer_code", AttributeType.String));
        await schema.Define(new AttributeDefinition("products", AttributeType.List));
        var work = Enumerable.Range(0, contacts).Select(i => ($"contact{i.ToString(CultureInfo.InvariantCulture)}@example.net", i, "newsletter"))
            .Concat(Enumerable.Range(0, warmup).Select(i => ($"warm{i.ToString(CultureInfo.InvariantCulture)}@example.org", i, "warmup")));
        await Parallel.ForEachAsync(work, new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (contact, _) =>
        {
            var (address, i, list) = contact;
            var attributes = CampaignBench.Attributes(i).ToDictionary(a => a.Key, a => (AttributeValue?)a.Value);
            await grains.GetGrain<IContactGrain>(ContactAddress.KeyFor(Tenant, address)).Upsert(new ContactChange(attributes, AddLists: [list]));
        });

        var segments = grains.GetGrain<ISegmentDirectoryGrain>(Tenant + "/segments");
        await segments.Save(new SegmentDefinition("everyone", "in list \"newsletter\""), replace: true);
        await segments.Save(new SegmentDefinition("warmup", "in list \"warmup\""), replace: true);
        await grains.GetGrain<ITemplateDirectoryGrain>(Tenant + "/templates").Save(CampaignBench.Template, replace: true);
    }

    /// <summary>Creates and schedules a campaign to <paramref name="segment"/> (no throttle, no slow start, a window open
    /// all week) and waits for <c>campaign.completed</c>; returns the wall and process CPU seconds from the schedule call.</summary>
    private static async Task<(double Wall, double Cpu, CampaignProgress Progress)> RunCampaignAsync(
        IGrainFactory grains, IEventLog events, string id, string segment)
    {
        var campaign = grains.GetGrain<ICampaignGrain>(CampaignGrain.KeyFor(Tenant, id));
        var list = segment == "warmup" ? "warmup" : "newsletter";
        IReadOnlyList<SendWindow> open = [new SendWindow(Enum.GetValues<DayOfWeek>(), TimeOnly.MinValue, TimeOnly.MaxValue)];
        await campaign.Create(new CampaignDefinition("Bench " + id, CampaignBench.Template.Name, segment, list, new CampaignSender("news@example.com", "Example Shop"),
            "Europe/Paris", open, 0, new CampaignThrottle(SlowStart: false), TimeSpan.FromHours(1)));
        var after = await events.GetLastSequenceAsync();
        using var self = Process.GetCurrentProcess();
        var cpuBefore = self.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        await campaign.Schedule(null);
        // The watch moves its cursor past the events it has looked at. The campaign's message events share the completion
        // event's subject, so a read from the schedule call on would scan all of them again at every look: CPU of this
        // process that grows with the square of the campaign. The last sequence is read before the events, so every event
        // up to it is committed when the filtered read runs.
        var filter = new EventFilter(Tenant, "campaign.completed", CampaignGrain.KeyFor(Tenant, id));
        var cursor = after;
        while (true)
        {
            var last = await events.GetLastSequenceAsync();
            if ((await events.ReadAsync(cursor + 1, 1, filter)).Count > 0)
            {
                break;
            }

            cursor = last;
            if (clock.Elapsed > TimeSpan.FromMinutes(30))
            {
                throw new TimeoutException($"campaign '{id}' did not complete within 30 minutes: {(await campaign.Get())?.Progress}");
            }

            await Task.Delay(100);
        }

        var wall = clock.Elapsed.TotalSeconds;
        self.Refresh();
        var cpu = (self.TotalProcessorTime - cpuBefore).TotalSeconds;
        return (wall, cpu, (await campaign.Get())!.Progress);
    }

    /// <summary>The runtime's count of compiled methods and its total compilation time, for the whole process.</summary>
    private readonly record struct JitSnapshot(long Methods, TimeSpan Time)
    {
        public static JitSnapshot Take() => new(System.Runtime.JitInfo.GetCompiledMethodCount(), System.Runtime.JitInfo.GetCompilationTime());

        public static JitSnapshot operator -(JitSnapshot after, JitSnapshot before) => new(after.Methods - before.Methods, after.Time - before.Time);

        /// <summary>Waits until no method has been compiled for <paramref name="still"/>, or until <paramref name="limit"/>;
        /// says what was compiled while it waited.</summary>
        public static async Task<string> QuietAsync(TimeSpan still, TimeSpan limit)
        {
            var start = Take();
            var clock = Stopwatch.StartNew();
            var last = start;
            var since = clock.Elapsed;
            while (clock.Elapsed < limit)
            {
                await Task.Delay(100);
                var now = Take();
                if (now.Methods != last.Methods)
                {
                    last = now;
                    since = clock.Elapsed;
                }
                else if (clock.Elapsed - since >= still)
                {
                    return $"{last - start} in {clock.Elapsed.TotalSeconds:F1} s";
                }
            }

            return $"{last - start}, not quiet after {limit.TotalSeconds:F0} s";
        }

        public override string ToString() => $"{Methods} methods, {Time.TotalMilliseconds:F0} ms";
    }

    private static string FreeUrl()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}";
    }

    /// <summary>CPU seconds (user + system) of the <c>smtp-sink</c> processes listening on host:port, read from /proc; 0
    /// where there is none to read.</summary>
    private static class SinkCpu
    {
        public static double Seconds(string host, int port)
        {
            var endpoint = $"{host}:{port.ToString(CultureInfo.InvariantCulture)}";
            var ticks = 0L;
            foreach (var directory in Directory.EnumerateDirectories("/proc"))
            {
                try
                {
                    var command = File.ReadAllText(Path.Combine(directory, "cmdline")).Split('\0');
                    if (!command[0].EndsWith("smtp-sink", StringComparison.Ordinal) || !command.Contains(endpoint))
                    {
                        continue;
                    }

                    // Fields after the parenthesized command name: state is field 3, utime 14, stime 15.
                    var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                    var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                    ticks += long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
                }
                catch (IOException)
                {
                    // The process ended or is not ours to read.
                }
                catch (UnauthorizedAccessException)
                {
                }
            }

            return ticks / 100.0; // USER_HZ
        }
    }

    /// <summary>Sums the worker batch stage timings (<c>mailmesh.campaign.batch.stage.duration</c>) while it lives.</summary>
    private sealed class StageListener : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly Dictionary<string, (double Seconds, long Count)> _stages = new(StringComparer.Ordinal);

        public StageListener()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == CampaignMetrics.Name && instrument.Name == "mailmesh.campaign.batch.stage.duration")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<double>((_, value, tags, _) =>
            {
                var stage = tags.Length > 0 ? tags[0].Value as string ?? "?" : "?";
                lock (_stages)
                {
                    var (seconds, count) = _stages.GetValueOrDefault(stage);
                    _stages[stage] = (seconds + value, count + 1);
                }
            });
            _listener.Start();
        }

        public string Summary()
        {
            lock (_stages)
            {
                return string.Join(", ", _stages.Select(s => $"{s.Key} {s.Value.Seconds:F2} s/{s.Value.Count}"));
            }
        }

        public void Dispose() => _listener.Dispose();
    }
}
