using System.Text.Json;
using MailMesh.Testing;
using MailMesh.SmokeTests.Support;

namespace MailMesh.SmokeTests;

public sealed class SmtpTests
{
    [ServerFact(Server.SmtpCapture)]
    public async Task SendMessage_ToCapturingServer_IsSavedWithItsEnvelope()
    {
        var capture = TestServers.SmtpCapture;
        var messageId = $"<smoke-{Guid.NewGuid():N}@example.test>";
        await using (var client = await LineClient.ConnectAsync(capture.Address))
        {
            await SendAsync(client, "sender@example.test", ["alice@example.test", "bob@example.test"], messageId);
        }

        // The server writes the message (tmp -> new) before it answers 250 to DATA.
        var saved = Directory.GetFiles(capture.NewMessagesDirectory)
            .Where(f => File.ReadAllText(f).Contains(messageId, StringComparison.Ordinal))
            .ToList();
        var file = Assert.Single(saved);
        Assert.Contains("Subject: smoke test", File.ReadAllText(file), StringComparison.Ordinal);
        using var envelope = JsonDocument.Parse(File.ReadAllText(Path.Combine(capture.EnvelopesDirectory, Path.GetFileName(file) + ".json")));
        Assert.Equal("sender@example.test", envelope.RootElement.GetProperty("mail_from").GetString());
        Assert.Equal(
            ["alice@example.test", "bob@example.test"],
            envelope.RootElement.GetProperty("rcpt_tos").EnumerateArray().Select(e => e.GetString()));
    }

    [ServerFact(Server.SmtpSink)]
    public async Task SendMessage_ToSmtpSink_IsAccepted()
    {
        await using var client = await LineClient.ConnectAsync(TestServers.SmtpSink);

        await SendAsync(client, "sender@example.test", ["alice@example.test"], $"<sink-{Guid.NewGuid():N}@example.test>");
    }

    private static async Task SendAsync(LineClient client, string from, IReadOnlyList<string> to, string messageId)
    {
        var greeting = await client.ReadSmtpReplyAsync("the SMTP greeting");
        Assert.StartsWith("220", greeting[^1], StringComparison.Ordinal);
        var ehlo = await client.SmtpCommandAsync("EHLO client.example.test", 250);
        Assert.True(ehlo.Count > 1, "EHLO should list extensions: " + string.Join(" | ", ehlo));
        await client.SmtpCommandAsync($"MAIL FROM:<{from}>", 250);
        foreach (var rcpt in to)
        {
            await client.SmtpCommandAsync($"RCPT TO:<{rcpt}>", 250);
        }

        await client.SmtpCommandAsync("DATA", 354);
        string[] message =
        [
            $"From: Sender <{from}>",
            $"To: {string.Join(", ", to)}",
            "Subject: smoke test",
            $"Message-ID: {messageId}",
            "Date: Sun, 22 Nov 2026 18:00:00 +0000",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=us-ascii",
            string.Empty,
            "Hello from the MailMesh smoke test.",
            "..a line that starts with a dot (dot-stuffed)",
        ];
        foreach (var line in message)
        {
            await client.WriteLineAsync(line);
        }

        await client.SmtpCommandAsync(".", 250);
        await client.SmtpCommandAsync("QUIT", 221);
    }
}
