using MailMesh.Campaigns.Tests.Sending.Support;
using MailMesh.Grains.Campaigns;
using MailMesh.Protocols.Smtp;

namespace MailMesh.Campaigns.Tests.Sending.Crash;

/// <summary>The program of the crash test's child process: an embedded silo on a data directory that outlives it, whose
/// relay appends each recipient to a sink file (the page cache keeps what a SIGKILL interrupts). On the first run it
/// seeds contacts, a segment, a template and a campaign and schedules it; every run prints <c>SENT address</c> per
/// message and <c>COMPLETED</c> when the campaign is done, then exits.</summary>
internal static class CrashHost
{
    public const string DirectoryVariable = "MAILMESH_CAMPAIGN_CRASH_DIR";
    public const string Campaign = "crash";
    public const int Recipients = 200;
    public const int Shards = 2;
    public const int BatchSize = 20;

    public static string SinkPath(string directory) => Path.Combine(directory, "sink.txt");

    public static async Task<int> RunAsync(string directory)
    {
        var silo = await CampaignSilo.StartAsync(new Dictionary<string, string?>
        {
            ["Campaigns:Shards"] = Shards.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Campaigns:BatchSize"] = BatchSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }, directory,
            new FileSink(SinkPath(directory)));
        if (await silo.Campaign(Campaign).Get() is null)
        {
            await silo.SeedAsync(Enumerable.Range(0, Recipients).Select(i => $"r{i:D4}@d{i % 7}.example"));
            await silo.Campaign(Campaign).Create(CampaignSilo.Definition(throttle: new CampaignThrottle(PerMinute: 1200, SlowStart: false)));
            await silo.Campaign(Campaign).Schedule(null);
        }

        Console.WriteLine("READY");
        await silo.WaitForEventAsync(Campaign, "campaign.completed", TimeSpan.FromMinutes(5));
        Console.WriteLine("COMPLETED");
        await silo.Silo.DisposeAsync();
        return 0;
    }

    /// <summary>A relay that accepts everything and writes each recipient to the sink before answering.</summary>
    private sealed class FileSink(string path) : IMailSubmitter
    {
        private readonly SemaphoreSlim _gate = new(1, 1);

        public async Task<SubmissionResult> SubmitAsync(MailSubmission mail, CancellationToken cancellationToken = default)
        {
            await _gate.WaitAsync(cancellationToken);
            try
            {
                await File.AppendAllTextAsync(path, string.Concat(mail.Recipients.Select(r => r + "\n")), cancellationToken);
            }
            finally
            {
                _gate.Release();
            }

            foreach (var recipient in mail.Recipients)
            {
                Console.WriteLine("SENT " + recipient);
            }

            return new SubmissionResult([.. mail.Recipients.Select(r => new RecipientOutcome(r, SubmissionStatus.Accepted, 250, "2.0.0", "2.0.0 ok"))], "file");
        }
    }
}
