using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Security.Cryptography;
using MailMesh.Campaigns.Composition;
using MailMesh.Campaigns.Dkim;
using MailMesh.Campaigns.Links;
using MailMesh.Grains.Campaigns;
using MailMesh.Grains.Contacts;
using MailMesh.Protocols;
using MailMesh.Protocols.Smtp;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace MailMesh.Bench.Campaigns;

internal sealed record BenchOptions(int Messages, int Connections, int Warmup, string Dkim, bool Prebuilt, string Host, int Port, bool Profile = false);

internal static class CampaignBench
{
    private const string Html = """
        <html><body>
        <p>Hello {{default first_name "there"}},</p>
        <p>As a {{tier}} customer ({{customer_code}}) you get these offers this week:</p>
        <ul>{{#each products}}<li><a href="https://shop.example.com/p/{{this}}?c={{../customer_code}}">{{this}}</a></li>{{/each}}</ul>
        {{#if (eq tier "gold")}}<p>Free shipping on everything, as always.</p>{{else}}<p>Free shipping from 50 EUR.</p>{{/if}}
        <p><a href="https://shop.example.com/account">Your account</a></p>
        </body></html>
        """;

    /// <summary>The personalized template: a merged subject, a loop over the contact's products with tracked links, a
    /// condition on the tier.</summary>
    internal static readonly TemplateDefinition Template = new("bench", "{{default first_name \"there\"}}, your {{tier}} offers", Html, null);

    private static readonly string[] FirstNames = ["Jane", "Amélie", "Bo", "Carlos", "Dana", "Erik", "Fatima", "Gus"];
    private static readonly string[] Tiers = ["gold", "silver", "bronze"];
    private static readonly string[] Products = ["kettle", "teapot", "mug", "grinder", "scale", "filter", "beans", "tray", "spoon"];

    public static async Task<int> RunAsync(BenchOptions o)
    {
        if (o.Profile)
        {
            using var profiled = ComposerServices(o.Dkim);
            return await ComposeProfile.RunAsync(o.Messages, o.Warmup, profiled.GetRequiredService<ICampaignMessageComposer>(), Template,
                profiled.GetRequiredService<TrackingUrls>(), profiled.GetRequiredService<DkimSignerSet>());
        }

        foreach (var tool in new[] { "/usr/sbin/smtp-source", "/usr/bin/time" })
        {
            if (!File.Exists(tool))
            {
                Console.Error.WriteLine($"{tool} is missing (Debian packages postfix and time).");
                return 2;
            }
        }

        if (!await IsOpenAsync(o.Host, o.Port))
        {
            Console.Error.WriteLine($"Nothing listens on {o.Host}:{o.Port}; start the sink with `scripts/test-servers.sh up smtpsink`.");
            return 2;
        }

        using var services = ComposerServices(o.Dkim);
        var composer = services.GetRequiredService<ICampaignMessageComposer>();
        var template = Template;
        var sample = await ComposeAsync(composer, template, 0);
        Console.WriteLine($"Campaign of {o.Messages} personalized messages into smtp-sink {o.Host}:{o.Port}, {o.Connections} connections, " +
            $"DKIM {o.Dkim}, {(o.Prebuilt ? "pre-built messages (transport only)" : "composed in the timed loop")}; sample message {sample.Content.Length} bytes");

        var pool = new SmtpRelayPool(new SmtpRelayOptions
        {
            Host = o.Host, Port = o.Port, Tls = TlsMode.None, LocalDomain = "bench.mailmesh.test",
            MaxConnections = o.Connections, MaxMessagesPerConnection = 1_000_000,
        });
        await using (pool)
        {
            var prebuilt = o.Prebuilt ? await PrebuildAsync(composer, template, 1_000) : null;
            using var self = Process.GetCurrentProcess();
            var warmupCpu = self.TotalProcessorTime;
            await SendAsync(pool, composer, template, o.Warmup, 10_000_000, o.Connections, prebuilt);
            self.Refresh();
            Console.WriteLine($"warm-up: {o.Warmup} messages, CPU {(self.TotalProcessorTime - warmupCpu).TotalSeconds:F2} s");
            GC.Collect();
            self.Refresh();
            var cpuBefore = self.TotalProcessorTime;
            var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
            var gen0Before = GC.CollectionCount(0);
            var gen2Before = GC.CollectionCount(2);
            var pauseBefore = GC.GetTotalPauseDuration();
            var contentionsBefore = Monitor.LockContentionCount;
            var clock = Stopwatch.StartNew();
            var (accepted, problems) = await SendAsync(pool, composer, template, o.Messages, 0, o.Connections, prebuilt);
            var wall = clock.Elapsed.TotalSeconds;
            self.Refresh();
            var cpu = (self.TotalProcessorTime - cpuBefore).TotalSeconds;
            var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
            if (accepted != o.Messages)
            {
                Console.Error.WriteLine($"Only {accepted} of {o.Messages} accepted; first problems: {string.Join(" | ", problems)}");
                return 1;
            }

            Console.WriteLine($"MailMesh:    {o.Messages} messages in {wall:F2} s = {o.Messages / wall:F0} msg/s, CPU {cpu:F2} s ({cpu * 1e6 / o.Messages:F0} µs/msg), " +
                $"{pool.ConnectionsOpened} connection(s) opened");
            Console.WriteLine($"             allocated {allocated / o.Messages / 1024.0:F1} KB/msg, {GC.CollectionCount(0) - gen0Before} GCs " +
                $"({GC.CollectionCount(2) - gen2Before} gen2), GC pauses {(GC.GetTotalPauseDuration() - pauseBefore).TotalMilliseconds:F0} ms, " +
                $"{Monitor.LockContentionCount - contentionsBefore} lock contentions");

            var (peerWall, peerCpu) = RunSmtpSource(o, sample.Content);
            Console.WriteLine($"smtp-source: {o.Messages} messages in {peerWall:F2} s = {o.Messages / peerWall:F0} msg/s, CPU {peerCpu:F2} s ({peerCpu * 1e6 / o.Messages:F0} µs/msg)");
            Console.WriteLine($"rate ratio MailMesh/smtp-source: {peerWall / wall:F2}x (target >= 0.5x); CPU per message MailMesh/smtp-source: {cpu / peerCpu:F2}x");
        }

        return 0;
    }

    internal static ServiceProvider ComposerServices(string dkim)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Tracking:PublicBaseUrl"] = "https://t.example.com",
            ["Tracking:Keys:0:Id"] = "1",
            ["Tracking:Keys:0:Key"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["Campaigns:Composition:ReturnPathDomain"] = "bounces.example.com",
            ["Campaigns:Composition:ListIdDomain"] = "lists.example.com",
        };
        foreach (var (key, value) in DkimSettings(dkim))
        {
            settings[key] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection().AddLogging().AddCampaignComposition(configuration).BuildServiceProvider(validateScopes: true);
    }

    /// <summary>The DKIM key settings for <c>--dkim</c> rsa (2048 bits), ed25519 or none: a new key each run.</summary>
    internal static Dictionary<string, string> DkimSettings(string dkim) => dkim == "none"
        ? []
        : new Dictionary<string, string>
        {
            ["Campaigns:Dkim:Keys:0:Domain"] = "example.com",
            ["Campaigns:Dkim:Keys:0:Selector"] = "bench",
            ["Campaigns:Dkim:Keys:0:PrivateKey"] = dkim switch
            {
                "rsa" => RSA.Create(2048).ExportPkcs8PrivateKeyPem(),
                "ed25519" => OpenSslEd25519Pem(),
                _ => throw new ArgumentException($"--dkim {dkim}: use rsa, ed25519 or none."),
            },
        };

    private static string OpenSslEd25519Pem()
    {
        using var openssl = Process.Start(new ProcessStartInfo("openssl", "genpkey -algorithm ed25519") { RedirectStandardOutput = true })
            ?? throw new InvalidOperationException("openssl did not start.");
        var pem = openssl.StandardOutput.ReadToEnd();
        openssl.WaitForExit();
        return openssl.ExitCode == 0 ? pem : throw new InvalidOperationException("openssl genpkey -algorithm ed25519 failed.");
    }

    /// <summary>The contact of recipient <paramref name="i"/>: a first name, a tier, a customer code and 2-5 products.</summary>
    internal static ContactInfo Contact(int i)
    {
        var address = $"contact{i.ToString(CultureInfo.InvariantCulture)}@example.net";
        var attributes = Attributes(i);
        return new ContactInfo("acme", address, address, attributes, ["newsletter"], [], [], new ContactEngagement(), false,
            DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, 1);
    }

    /// <summary>The attributes of recipient <paramref name="i"/>: a first name, a tier, a customer code and 2-5 products.</summary>
    internal static Dictionary<string, AttributeValue> Attributes(int i)
    {
        var products = Enumerable.Range(0, 2 + (i % 4)).Select(k => Products[(i + (k * 3)) % Products.Length]).ToList();
        return new Dictionary<string, AttributeValue>
        {
            ["first_name"] = AttributeValue.Of(FirstNames[i % FirstNames.Length]),
            ["tier"] = AttributeValue.Of(Tiers[i % Tiers.Length]),
            ["customer_code"] = AttributeValue.Of("C" + (100_000 + i).ToString(CultureInfo.InvariantCulture)),
            ["products"] = AttributeValue.Of(products),
        };
    }

    /// <summary>Composes the message of recipient <paramref name="i"/>.</summary>
    internal static ValueTask<ComposedMessage> ComposeAsync(ICampaignMessageComposer composer, TemplateDefinition template, int i)
    {
        var contact = Contact(i);
        var address = contact.Address;
        return composer.ComposeAsync(new ComposeRequest("acme", "bench-2026", template, new CampaignSender("news@example.com", "Example Shop"),
            contact, address, "newsletter", SendId.For("acme", "bench-2026", address), "Europe/Paris", DateTimeOffset.UtcNow, Track: true));
    }

    private static async Task<ComposedMessage[]> PrebuildAsync(ICampaignMessageComposer composer, TemplateDefinition template, int count)
    {
        var messages = new ComposedMessage[count];
        for (var i = 0; i < count; i++)
        {
            messages[i] = await ComposeAsync(composer, template, i);
        }

        return messages;
    }

    /// <summary>Sends <paramref name="count"/> messages with twice as many workers as connections, so composing the next
    /// message overlaps sending the last one.</summary>
    private static async Task<(int Accepted, List<string> Problems)> SendAsync(SmtpRelayPool pool, ICampaignMessageComposer composer,
        TemplateDefinition template, int count, int offset, int connections, ComposedMessage[]? prebuilt)
    {
        var next = -1;
        var accepted = 0;
        var problems = new List<string>();
        var workers = Enumerable.Range(0, connections * 2).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                var message = prebuilt is null ? await ComposeAsync(composer, template, offset + i) : prebuilt[i % prebuilt.Length];
                var result = await pool.SubmitAsync(new MailSubmission(message.EnvelopeFrom, [message.Recipient], message.Content)
                {
                    RequiresSmtpUtf8 = message.RequiresSmtpUtf8,
                });
                var outcome = result.Recipients[0];
                if (outcome.Status == SubmissionStatus.Accepted)
                {
                    Interlocked.Increment(ref accepted);
                }
                else
                {
                    lock (problems)
                    {
                        if (problems.Count < 5)
                        {
                            problems.Add($"{outcome.Address}: {outcome.Status} {outcome.Code} {outcome.Reply}");
                        }
                    }
                }
            }
        })).ToArray();
        await Task.WhenAll(workers);
        return (accepted, problems);
    }

    /// <summary>Runs smtp-source with the same number of sessions and messages, each the sample message, under /usr/bin/time.</summary>
    internal static (double Wall, double Cpu) RunSmtpSource(BenchOptions o, ReadOnlyMemory<byte> sample)
    {
        var work = Directory.CreateTempSubdirectory("mailmesh-bench-campaigns-");
        try
        {
            // smtp-source -F appends CRLF to each line and dot-stuffs: give it the message with LF line ends.
            var file = Path.Combine(work.FullName, "message.eml");
            File.WriteAllText(file, System.Text.Encoding.UTF8.GetString(sample.Span).Replace("\r\n", "\n", StringComparison.Ordinal));
            var times = Path.Combine(work.FullName, "time.txt");
            var start = new ProcessStartInfo("/usr/bin/time")
            {
                ArgumentList =
                {
                    "-f", "%e %U %S", "-o", times, "/usr/sbin/smtp-source", "-d", "-s", o.Connections.ToString(CultureInfo.InvariantCulture),
                    "-m", o.Messages.ToString(CultureInfo.InvariantCulture), "-F", file, "-f", "news@example.com", "-t", "contact@example.net",
                    "-M", "bench.mailmesh.test", $"{o.Host}:{o.Port.ToString(CultureInfo.InvariantCulture)}",
                },
                RedirectStandardError = true,
            };
            var clock = Stopwatch.StartNew();
            using var process = Process.Start(start) ?? throw new InvalidOperationException("smtp-source did not start.");
            var errors = process.StandardError.ReadToEnd();
            process.WaitForExit();
            var wall = clock.Elapsed.TotalSeconds;
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"smtp-source exited with {process.ExitCode}: {errors}");
            }

            var fields = File.ReadAllText(times).Trim().Split(' ');
            var cpu = double.Parse(fields[1], CultureInfo.InvariantCulture) + double.Parse(fields[2], CultureInfo.InvariantCulture);
            return (wall, cpu);
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    internal static async Task<bool> IsOpenAsync(string host, int port)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(host, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
