using MailMesh.Campaigns.SendLog;
using MailMesh.Grains.Campaigns;

namespace MailMesh.Campaigns.Tests.Sending.Crash;

public sealed class CampaignCrashTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "mailmesh-campaign-crash", Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task Send_SiloKilledMidCampaignAndRestarted_NobodyTwiceNobodySkippedButTheInFlight()
    {
        Directory.CreateDirectory(_directory);
        var patience = TimeSpan.FromMinutes(4);
        await using (var first = ChildSilo.Start(_directory, killAfter: 60))
        {
            try
            {
                await first.SentEnough.WaitAsync(patience);
            }
            catch (TimeoutException)
            {
                throw new TimeoutException($"waited {patience} for the first silo to send 60 messages (it sent {first.Sent}):\n{first.Output}");
            }

            await first.KillAsync();
        }

        var sentBeforeKill = File.ReadAllLines(CrashHost.SinkPath(_directory)).Length;
        await using (var second = ChildSilo.Start(_directory, killAfter: int.MaxValue))
        {
            try
            {
                await second.Completed.WaitAsync(patience);
            }
            catch (TimeoutException)
            {
                throw new TimeoutException($"waited {patience} for the restarted silo to complete the campaign (it sent {second.Sent}):\n{second.Output}");
            }

            await second.WaitForExitAsync(TimeSpan.FromMinutes(1));
        }

        var mailed = File.ReadAllLines(CrashHost.SinkPath(_directory));
        using var log = new SqliteSendLog(Path.Combine(_directory, "campaigns.db"));
        var records = await log.ListAsync(Support.CampaignSilo.Tenant, CrashHost.Campaign, null, 10_000);

        // Nobody twice.
        var duplicates = mailed.GroupBy(a => a, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToArray();
        Assert.True(duplicates.Length == 0, $"mailed more than once: {string.Join(", ", duplicates)}");

        // Everyone planned; every recipient the log calls sent was mailed; nobody mailed outside the plan.
        Assert.Equal(CrashHost.Recipients, records.Count);
        Assert.True(sentBeforeKill >= 60 && sentBeforeKill < CrashHost.Recipients, $"the kill came after {sentBeforeKill} messages, not mid-campaign");
        var mailedSet = mailed.ToHashSet(StringComparer.Ordinal);
        Assert.Subset(records.Select(r => r.ContactAddress).ToHashSet(StringComparer.Ordinal), mailedSet);
        Assert.All(records.Where(r => r.Status == SendStatus.Sent), r => Assert.Contains(r.ContactAddress, mailedSet));

        // Nobody skipped except the records left "sending" by the kill (at most one claimed batch per worker shard; ADR
        // campaigns-05).
        var inFlight = records.Where(r => r.Status == SendStatus.Sending).ToArray();
        Assert.All(records, r => Assert.True(r.Status is SendStatus.Sent or SendStatus.Sending, $"{r.ContactAddress} is {r.Status}"));
        Assert.InRange(inFlight.Length, 0, CrashHost.Shards * CrashHost.BatchSize);
        var skipped = records.Where(r => !mailedSet.Contains(r.ContactAddress)).ToArray();
        Assert.All(skipped, r => Assert.Equal(SendStatus.Sending, r.Status));
        Assert.Equal(CrashHost.Recipients - skipped.Length, mailedSet.Count);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still open: the OS temp cleanup removes it.
        }
    }
}
