using System.Security.Authentication;
using MailMesh.Testing;
using MailMesh.SmokeTests.Support;

namespace MailMesh.SmokeTests;

public sealed class DovecotTests
{
    [ServerFact(Server.Dovecot)]
    public async Task ImapLogin_WithAlicesPassword_Succeeds()
    {
        var dovecot = TestServers.Dovecot;
        await using var client = await LineClient.ConnectAsync(dovecot.Imap);
        Assert.StartsWith("* OK", await client.ReadLineAsync("the IMAP greeting"), StringComparison.Ordinal);

        await client.WriteLineAsync($"a1 LOGIN {dovecot.Alice.Address} {dovecot.Alice.Password}");

        Assert.StartsWith("a1 OK", await ReadTaggedAsync(client, "a1"), StringComparison.Ordinal);
        await client.WriteLineAsync("a2 EXAMINE INBOX");
        Assert.StartsWith("a2 OK", await ReadTaggedAsync(client, "a2"), StringComparison.Ordinal);
        await client.WriteLineAsync("a3 LOGOUT");
        Assert.StartsWith("a3 OK", await ReadTaggedAsync(client, "a3"), StringComparison.Ordinal);
    }

    [ServerFact(Server.Dovecot)]
    public async Task ImapLogin_WithWrongPassword_IsRejected()
    {
        var dovecot = TestServers.Dovecot;
        await using var client = await LineClient.ConnectAsync(dovecot.Imap);
        await client.ReadLineAsync("the IMAP greeting");

        await client.WriteLineAsync($"a1 LOGIN {dovecot.Bob.Address} not-{dovecot.Bob.Password}");

        Assert.StartsWith("a1 NO", await ReadTaggedAsync(client, "a1"), StringComparison.Ordinal);
    }

    [ServerFact(Server.Dovecot)]
    public async Task Imaps_TrustingTheTestCa_ValidatesTheServerAndLogsIn()
    {
        var dovecot = TestServers.Dovecot;
        using var ca = dovecot.LoadCaCertificate();
        await using var client = await LineClient.ConnectTlsAsync(dovecot.Imaps, "localhost", ca);
        Assert.StartsWith("* OK", await client.ReadLineAsync("the IMAPS greeting"), StringComparison.Ordinal);

        await client.WriteLineAsync($"a1 LOGIN {dovecot.Bob.Address} {dovecot.Bob.Password}");

        Assert.StartsWith("a1 OK", await ReadTaggedAsync(client, "a1"), StringComparison.Ordinal);
    }

    [ServerFact(Server.Dovecot)]
    public async Task Imaps_WithoutTrustingTheTestCa_FailsValidation()
    {
        await Assert.ThrowsAsync<AuthenticationException>(() => LineClient.ConnectTlsAsync(TestServers.Dovecot.Imaps, "localhost", trustedRoot: null));
    }

    [ServerFact(Server.Dovecot)]
    public async Task Pop3Stat_AfterUserAndPass_ReturnsMaildropSize()
    {
        var dovecot = TestServers.Dovecot;
        await using var client = await LineClient.ConnectAsync(dovecot.Pop3);
        Assert.StartsWith("+OK", await client.ReadLineAsync("the POP3 greeting"), StringComparison.Ordinal);

        await client.WriteLineAsync($"USER {dovecot.Alice.Address}");
        Assert.StartsWith("+OK", await client.ReadLineAsync("the reply to USER"), StringComparison.Ordinal);
        await client.WriteLineAsync($"PASS {dovecot.Alice.Password}");
        Assert.StartsWith("+OK", await client.ReadLineAsync("the reply to PASS"), StringComparison.Ordinal);
        await client.WriteLineAsync("STAT");
        var stat = await client.ReadLineAsync("the reply to STAT");

        Assert.Matches(@"^\+OK \d+ \d+$", stat);
        await client.WriteLineAsync("QUIT");
        Assert.StartsWith("+OK", await client.ReadLineAsync("the reply to QUIT"), StringComparison.Ordinal);
    }

    [ServerFact(Server.Dovecot)]
    public async Task LmtpDelivery_ToCarol_LandsInCarolsMaildir()
    {
        var dovecot = TestServers.Dovecot;
        var messageId = $"<lmtp-{Guid.NewGuid():N}@example.test>";
        await using (var client = await LineClient.ConnectAsync(dovecot.Lmtp))
        {
            Assert.StartsWith("220", (await client.ReadSmtpReplyAsync("the LMTP greeting"))[^1], StringComparison.Ordinal);
            await client.SmtpCommandAsync("LHLO client.example.test", 250);
            await client.SmtpCommandAsync("MAIL FROM:<sender@example.test>", 250);
            await client.SmtpCommandAsync($"RCPT TO:<{dovecot.Carol.Address}>", 250);
            await client.SmtpCommandAsync("DATA", 354);
            foreach (var line in new[] { "From: sender@example.test", $"To: {dovecot.Carol.Address}", "Subject: lmtp smoke", $"Message-ID: {messageId}", string.Empty, "Hello Carol." })
            {
                await client.WriteLineAsync(line);
            }

            // LMTP answers DATA once per recipient, after delivery.
            await client.SmtpCommandAsync(".", 250);
            await client.SmtpCommandAsync("QUIT", 221);
        }

        var maildir = dovecot.MaildirOf(dovecot.Carol);
        var delivered = Directory.GetFiles(maildir, "*", SearchOption.AllDirectories)
            .Where(f => !Path.GetFileName(f).StartsWith("dovecot", StringComparison.Ordinal))
            .Count(f => File.ReadAllText(f).Contains(messageId, StringComparison.Ordinal));
        Assert.Equal(1, delivered);
    }

    private static async Task<string> ReadTaggedAsync(LineClient client, string tag)
    {
        while (true)
        {
            var line = await client.ReadLineAsync($"the tagged reply {tag}");
            if (line.StartsWith(tag + " ", StringComparison.Ordinal))
            {
                return line;
            }
        }
    }
}
