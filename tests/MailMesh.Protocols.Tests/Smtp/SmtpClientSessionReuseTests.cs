using System.Text;
using MailMesh.Protocols.Smtp;
using MailMesh.Protocols.Tests.Support;

namespace MailMesh.Protocols.Tests.Smtp;

/// <summary>One session sending several messages through its reused write buffer, and replies that arrive in pieces.</summary>
public sealed class SmtpClientSessionReuseTests
{
    private static SmtpClient Client(FakeServer server) =>
        new(new SmtpClientOptions { Host = "127.0.0.1", Port = server.Port, Tls = TlsMode.None, LocalDomain = "client.test" });

    private static async Task GreetAsync(FakeConnection c, string extensions)
    {
        await c.SendAsync("220 fake ESMTP\r\n");
        Assert.Equal("EHLO client.test", await c.ReadLineAsync("EHLO"));
        await c.SendAsync("250-fake\r\n" + extensions);
    }

    private static async Task<string> ReadDataAsync(FakeConnection c)
    {
        var data = new StringBuilder();
        string line;
        while ((line = await c.ReadLineAsync("message data")) != ".")
        {
            data.Append(line).Append('\n');
        }

        return data.ToString();
    }

    [Fact]
    public async Task SendTransactionAsync_LargeThenSmallMessageOnOneSession_SendsEachExactly()
    {
        var large = "Subject: large\r\n\r\n" + string.Concat(Enumerable.Repeat(new string('x', 70) + "\r\n", 400));
        var small = "Subject: small\r\n\r\n.hi\r\n";
        var received = new List<string>();
        await using var server = FakeServer.Start(async c =>
        {
            await GreetAsync(c, "250 PIPELINING\r\n");
            for (var i = 0; i < 3; i++)
            {
                await c.ReadLineAsync("MAIL");
                await c.ReadLineAsync("RCPT");
                Assert.Equal("DATA", await c.ReadLineAsync("DATA"));
                await c.SendAsync("250 2.1.0 ok\r\n250 2.1.5 ok\r\n354 go\r\n");
                received.Add(await ReadDataAsync(c));
                await c.SendAsync($"250 2.0.0 queued as {i}\r\n");
            }
        });
        await using var client = Client(server);
        await client.ConnectAsync(TestTimeout.Token());
        var envelope = new SmtpEnvelope("s@example.org", ["r@example.org"]);

        foreach (var message in new[] { large, small, large })
        {
            var result = await client.SendTransactionAsync(envelope, Encoding.ASCII.GetBytes(message), TestTimeout.Token());
            Assert.True(result.Delivered);
        }

        Assert.Equal(
            [large.Replace("\r\n", "\n", StringComparison.Ordinal), "Subject: small\n\n..hi\n", large.Replace("\r\n", "\n", StringComparison.Ordinal)],
            received);
    }

    [Fact]
    public async Task ConnectAsync_MultiLineReplyInPieces_ReadsEveryLine()
    {
        await using var server = FakeServer.Start(async c =>
        {
            await c.SendAsync("220 fake ESMTP\r\n");
            await c.ReadLineAsync("EHLO");
            foreach (var piece in new[] { "250-fa", "ke\r\n250-PIPE", "LINING\r", "\n250-SIZE 1000\r\n", "250 8BITMIME\r\n" })
            {
                await c.SendAsync(piece);
                await Task.Yield();
            }

            await c.ReadLineAsync("QUIT");
            await c.SendAsync("221 bye\r\n");
        });
        await using var client = Client(server);

        await client.ConnectAsync(TestTimeout.Token());

        Assert.True(client.Capabilities.Pipelining);
        Assert.True(client.Capabilities.EightBitMime);
        Assert.Equal(1000L, client.Capabilities.MaxSize);
        await client.QuitAsync(TestTimeout.Token());
    }

    [Fact]
    public async Task SendTransactionAsync_MultiLineReplyChangesCode_BreaksWithClearError()
    {
        await using var server = FakeServer.Start(async c =>
        {
            await GreetAsync(c, "250 PIPELINING\r\n");
            await c.ReadLineAsync("MAIL");
            await c.ReadLineAsync("RCPT");
            await c.ReadLineAsync("DATA");
            await c.SendAsync("250-ok\r\n251 ok\r\n");
        });
        await using var client = Client(server);
        await client.ConnectAsync(TestTimeout.Token());

        var error = await Assert.ThrowsAsync<SmtpProtocolException>(() =>
            client.SendTransactionAsync(new SmtpEnvelope("s@example.org", ["r@example.org"]), "Subject: x\r\n\r\nx\r\n"u8.ToArray(), TestTimeout.Token()));

        Assert.Equal(ProtocolFailureKind.MalformedResponse, error.Kind);
        Assert.Contains("changed its code from 250 to 251", error.Message, StringComparison.Ordinal);
        Assert.Equal(SmtpSessionState.Broken, client.State);
    }
}
