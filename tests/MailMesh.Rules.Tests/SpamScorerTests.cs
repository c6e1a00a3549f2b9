using System.Text;
using MailMesh.Mime;
using MailMesh.Rules.Spam;
using MailMesh.Sieve;

namespace MailMesh.Rules.Tests;

public sealed class SpamScorerTests
{
    private const string Junk = "From: \"winner@lottery.example\" <x@spam.example>\r\nTo: a@example.test\r\nSubject: YOU HAVE WON THE LOTTERY!!! CLAIM YOUR PRIZE\r\n\r\n" +
        "viagra cialis free money act now http://1.2.3.4/claim\r\n";

    private const string Normal = "From: Ann <ann@example.org>\r\nTo: a@example.test\r\nSubject: Lunch on Friday?\r\nDate: Sun, 22 Nov 2026 10:00:00 +0000\r\n" +
        "Message-ID: <l.1@example.org>\r\n\r\nShall we meet at noon?\r\n";

    [Fact]
    public void Heuristic_JunkAndNormal_JunkIsSpamNormalIsNot()
    {
        var junk = HeuristicSpamScorer.Score(MimeMessage.Parse(Encoding.ASCII.GetBytes(Junk)));
        var normal = HeuristicSpamScorer.Score(MimeMessage.Parse(Encoding.ASCII.GetBytes(Normal)));

        Assert.True(junk.IsSpam, $"junk scored {junk.Score}: {string.Join(',', junk.Rules)}");
        Assert.Contains("SUBJ_ALL_CAPS", junk.Rules);
        Assert.False(normal.IsSpam);
        Assert.Equal(0, normal.Score);
    }

    [Fact]
    public async Task Evaluator_SpamtestWithScorer_UsesScoreAndIgnoresForgedHeader()
    {
        var script = new SieveCompiler().CompileOrThrow("require [\"spamtest\", \"relational\", \"comparator-i;ascii-numeric\"];\nif spamtest :value \"ge\" :comparator \"i;ascii-numeric\" \"6\" { discard; }\n");
        var forged = "X-MailMesh-Spam-Score: 0.0 / 10.0\r\n" + Junk;

        var evaluation = await new RuleEvaluator(new HeuristicSpamScorer()).EvaluateAsync(script, Encoding.ASCII.GetBytes(forged));
        var clean = await new RuleEvaluator(new HeuristicSpamScorer()).EvaluateAsync(script, Encoding.ASCII.GetBytes(Normal));

        Assert.Equal("discard", Assert.Single(evaluation.Actions).Name);
        Assert.NotNull(evaluation.Spam);
        Assert.Equal("keep", Assert.Single(clean.Actions).Name);
    }

    [Fact]
    public void SpamdParse_Response_ReadsScoreThresholdAndRules()
    {
        var score = SpamdScorer.Parse("SPAMD/1.1 0 EX_OK\r\nContent-length: 20\r\nSpam: True ; 15.2 / 5.0\r\n\r\nMISSING_DATE,NO_RELAYS");

        Assert.Equal((15.2, 5.0), (score.Score, score.Threshold));
        Assert.Equal(["MISSING_DATE", "NO_RELAYS"], score.Rules);
        Assert.Throws<InvalidDataException>(() => SpamdScorer.Parse("SPAMD/1.1 76 EX_PROTOCOL\r\n\r\n"));
    }

    [SkippableFact]
    public async Task Spamd_RealServer_ScoresJunkAboveNormal()
    {
        var address = Environment.GetEnvironmentVariable("MAILMESH_TEST_SPAMD") ?? "127.0.0.1:22783";
        var colon = address.LastIndexOf(':');
        var options = new SpamdOptions { Host = address[..colon], Port = int.Parse(address[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture), Timeout = TimeSpan.FromSeconds(60) };
        var probe = await TryConnectAsync(options);
        Skip.IfNot(probe, $"spamd is not reachable at {address}; start it with scripts/test-servers.sh up spamd (MAILMESH_TEST_SPAMD)");
        var scorer = new SpamdScorer(options);

        var junk = await scorer.CheckAsync(Encoding.ASCII.GetBytes(Junk), CancellationToken.None);
        var normal = await scorer.CheckAsync(Encoding.ASCII.GetBytes(Normal), CancellationToken.None);

        Assert.Equal("spamd", junk.Scorer);
        Assert.True(junk.Score > normal.Score, $"junk {junk.Score} ({string.Join(',', junk.Rules)}) vs normal {normal.Score}");
        Assert.Contains(junk.Rules, r => r.Contains("SUBJ_ALL_CAPS", StringComparison.Ordinal) || r.Contains("MISSING", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Spamd_Unreachable_NotTestedInsteadOfThrowing()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var scorer = new SpamdScorer(new SpamdOptions { Host = "127.0.0.1", Port = port, Timeout = TimeSpan.FromSeconds(5) });

        Assert.Null(await scorer.ScoreAsync(Encoding.ASCII.GetBytes(Normal), MimeMessage.Parse(Encoding.ASCII.GetBytes(Normal))));
    }

    private static async Task<bool> TryConnectAsync(SpamdOptions options)
    {
        using var client = new System.Net.Sockets.TcpClient();
        try
        {
            await client.ConnectAsync(options.Host, options.Port).WaitAsync(TimeSpan.FromSeconds(2));
            return true;
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or TimeoutException)
        {
            return false;
        }
    }
}
