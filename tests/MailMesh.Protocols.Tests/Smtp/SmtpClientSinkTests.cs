using System.Text;
using System.Text.Json;
using MailMesh.Protocols.Smtp;
using MailMesh.Protocols.Tests.Support;

namespace MailMesh.Protocols.Tests.Smtp;

/// <summary>The SMTP client against the project's real sinks (aiosmtpd keeping messages, Postfix smtp-sink counting).</summary>
public sealed class SmtpClientSinkTests
{
    private static SmtpClientOptions Options(HostPort address) => new()
    {
        Host = address.Host, Port = address.Port, Tls = TlsMode.None, LocalDomain = "mailmesh.test",
    };

    [ServerFact(Server.SmtpCapture)]
    public async Task SendAsync_CaptureSink_StoresMessageDotStuffedWithEnvelope()
    {
        var capture = TestServers.SmtpCapture;
        var marker = Guid.NewGuid().ToString("N");
        var body = $"From: a@example.org\nTo: b@example.org\nSubject: {marker}\n\nline one\n.starts with a dot\n..two dots\n.\nend\n";
        await using var client = new SmtpClient(Options(capture.Address));
        await client.ConnectAsync(TestTimeout.Token());
        var result = await client.SendAsync(new SmtpEnvelope("sender@example.org", ["b@example.org", "c@example.org"]), Encoding.UTF8.GetBytes(body), TestTimeout.Token());
        await client.QuitAsync(TestTimeout.Token());

        Assert.Equal(["b@example.org", "c@example.org"], result.Accepted);
        Assert.StartsWith("250", result.Reply, StringComparison.Ordinal);
        var saved = FindSaved(capture, marker);
        var text = await File.ReadAllTextAsync(saved);
        Assert.Contains("\r\n.starts with a dot\r\n..two dots\r\n.\r\nend\r\n", text, StringComparison.Ordinal);
        var envelope = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(capture.EnvelopesDirectory, Path.GetFileName(saved) + ".json"))).RootElement;
        Assert.Equal("sender@example.org", envelope.GetProperty("mail_from").GetString());
        Assert.Equal(2, envelope.GetProperty("rcpt_tos").GetArrayLength());
    }

    [ServerFact(Server.SmtpCapture)]
    public async Task SendAsync_NullReversePathAnd8Bit_SendsBody8BitMimeAndEmptyMailFrom()
    {
        var capture = TestServers.SmtpCapture;
        var marker = Guid.NewGuid().ToString("N");
        var body = $"From: a@example.org\r\nSubject: {marker}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nGrüße\r\n";
        await using var client = new SmtpClient(Options(capture.Address));
        await client.ConnectAsync(TestTimeout.Token());
        Assert.True(client.Capabilities.EightBitMime);
        await client.SendAsync(new SmtpEnvelope("", ["b@example.org"]), Encoding.UTF8.GetBytes(body), TestTimeout.Token());

        var saved = FindSaved(capture, marker);
        var envelope = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(capture.EnvelopesDirectory, Path.GetFileName(saved) + ".json"))).RootElement;
        // aiosmtpd records the null reverse path as written.
        Assert.Equal("<>", envelope.GetProperty("mail_from").GetString());
        Assert.Contains("BODY=8BITMIME", envelope.GetProperty("mail_options").EnumerateArray().Select(e => e.GetString()));
        Assert.Contains("Grüße", await File.ReadAllTextAsync(saved), StringComparison.Ordinal);
    }

    [ServerFact(Server.SmtpSink)]
    public async Task SendAsync_PipeliningSink_SendsSeveralMessagesOnOneSession()
    {
        await using var client = new SmtpClient(Options(TestServers.SmtpSink));
        await client.ConnectAsync(TestTimeout.Token());
        Assert.True(client.Capabilities.Pipelining);
        for (var i = 0; i < 5; i++)
        {
            var result = await client.SendAsync(new SmtpEnvelope("s@example.org", ["r1@example.org", "r2@example.org"]),
                Encoding.ASCII.GetBytes($"Subject: {i}\r\n\r\nbody {i}\r\n"), TestTimeout.Token());
            Assert.Equal(2, result.Accepted.Count);
        }

        await client.QuitAsync(TestTimeout.Token());
        Assert.Equal(SmtpSessionState.Disconnected, client.State);
    }

    [ServerFact(Server.SmtpSink)]
    public async Task ConnectAsync_StartTlsRequiredButNotOffered_RefusesClearText()
    {
        var options = new SmtpClientOptions { Host = TestServers.SmtpSink.Host, Port = TestServers.SmtpSink.Port, Tls = TlsMode.StartTls };
        await using var client = new SmtpClient(options);
        var error = await Assert.ThrowsAsync<SmtpProtocolException>(() => client.ConnectAsync(TestTimeout.Token()));
        Assert.Equal(ProtocolFailureKind.Tls, error.Kind);
        Assert.Contains("does not offer STARTTLS", error.Message, StringComparison.Ordinal);
        Assert.Equal(SmtpSessionState.Broken, client.State);
    }

    private static string FindSaved(SmtpCaptureEndpoint capture, string marker)
    {
        foreach (var file in Directory.EnumerateFiles(capture.NewMessagesDirectory))
        {
            if (File.ReadAllText(file).Contains(marker, StringComparison.Ordinal))
            {
                return file;
            }
        }

        throw new InvalidOperationException($"No message with subject {marker} in {capture.NewMessagesDirectory}: the sink did not store it.");
    }
}
