using System.Text;
using MailMesh.Protocols.Smtp;
using MailMesh.Protocols.Tests.Support;

namespace MailMesh.Protocols.Tests.Smtp;

/// <summary>Replies a real sink will not give on demand: AUTH exchanges, refused recipients, SIZE and 8-bit limits.</summary>
public sealed class SmtpClientFakeServerTests
{
    private static SmtpClient Client(FakeServer server) =>
        new(new SmtpClientOptions { Host = "127.0.0.1", Port = server.Port, Tls = TlsMode.None, LocalDomain = "client.test" });

    private static async Task GreetAsync(FakeConnection c, string extensions)
    {
        await c.SendAsync("220 fake ESMTP\r\n");
        Assert.Equal("EHLO client.test", await c.ReadLineAsync("EHLO"));
        await c.SendAsync("250-fake\r\n" + extensions);
    }

    [Fact]
    public async Task AuthenticateAsync_PlainOffered_SendsInitialResponse()
    {
        string? auth = null;
        await using var server = FakeServer.Start(async c =>
        {
            await GreetAsync(c, "250 AUTH LOGIN PLAIN\r\n");
            auth = await c.ReadLineAsync("AUTH");
            await c.SendAsync("235 2.7.0 ok\r\n");
        });
        await using var client = Client(server);
        await client.ConnectAsync(TestTimeout.Token());
        await client.AuthenticateAsync("user", "secret", TestTimeout.Token());
        await server.Completion.Within(TestTimeout.Step, "the fake server script");

        Assert.Equal("AUTH PLAIN " + Convert.ToBase64String(Encoding.UTF8.GetBytes("\0user\0secret")), auth);
        Assert.True(client.IsAuthenticated);
    }

    [Fact]
    public async Task AuthenticateAsync_LoginOnlyAndWrongPassword_ThrowsAuthenticationFailure()
    {
        await using var server = FakeServer.Start(async c =>
        {
            await GreetAsync(c, "250 AUTH=LOGIN\r\n");
            Assert.Equal("AUTH LOGIN", await c.ReadLineAsync("AUTH LOGIN"));
            await c.SendAsync("334 VXNlcm5hbWU6\r\n");
            Assert.Equal(Convert.ToBase64String("user"u8.ToArray()), await c.ReadLineAsync("user name"));
            await c.SendAsync("334 UGFzc3dvcmQ6\r\n");
            await c.ReadLineAsync("password");
            await c.SendAsync("535 5.7.8 Authentication credentials invalid\r\n");
        });
        await using var client = Client(server);
        await client.ConnectAsync(TestTimeout.Token());
        var error = await Assert.ThrowsAsync<SmtpCommandException>(() => client.AuthenticateAsync("user", "wrong", TestTimeout.Token()));

        Assert.True(error.IsAuthenticationFailure);
        Assert.Equal("5.7.8", error.ResponseCode);
        Assert.Equal(SmtpSessionState.Ready, client.State);
    }

    [Fact]
    public async Task SendAsync_OneRecipientRefusedPipelined_SendsToTheOthersAndReportsRefusal()
    {
        var data = new StringBuilder();
        await using var server = FakeServer.Start(async c =>
        {
            await GreetAsync(c, "250 PIPELINING\r\n");
            Assert.StartsWith("MAIL FROM:<s@example.org>", await c.ReadLineAsync("MAIL"), StringComparison.Ordinal);
            await c.ReadLineAsync("RCPT 1");
            await c.ReadLineAsync("RCPT 2");
            Assert.Equal("DATA", await c.ReadLineAsync("DATA"));
            await c.SendAsync("250 ok\r\n250 ok\r\n550 5.1.1 no such user\r\n354 go\r\n");
            string line;
            while ((line = await c.ReadLineAsync("message data")) != ".")
            {
                data.Append(line).Append('\n');
            }

            await c.SendAsync("250 2.0.0 queued\r\n");
        });
        await using var client = Client(server);
        await client.ConnectAsync(TestTimeout.Token());
        var result = await client.SendAsync(new SmtpEnvelope("s@example.org", ["ok@example.org", "bad@example.org"]), "Subject: x\r\n\r\n.dot\r\n"u8.ToArray(), TestTimeout.Token());

        Assert.Equal(["ok@example.org"], result.Accepted);
        var refused = Assert.Single(result.Rejected);
        Assert.Equal(550, refused.Code);
        Assert.Equal("Subject: x\n\n..dot\n", data.ToString());
    }

    [Fact]
    public async Task SendAsync_AllRecipientsRefused_ThrowsAndResetsSession()
    {
        await using var server = FakeServer.Start(async c =>
        {
            await GreetAsync(c, "250 SIZE 1000\r\n");
            Assert.Equal("MAIL FROM:<> SIZE=20", await c.ReadLineAsync("MAIL"));
            await c.SendAsync("250 ok\r\n");
            await c.ReadLineAsync("RCPT");
            await c.SendAsync("450 4.2.1 mailbox busy\r\n");
            Assert.Equal("RSET", await c.ReadLineAsync("RSET"));
            await c.SendAsync("250 ok\r\n");
        });
        await using var client = Client(server);
        await client.ConnectAsync(TestTimeout.Token());
        var error = await Assert.ThrowsAsync<SmtpCommandException>(() => client.SendAsync(new SmtpEnvelope("", ["r@example.org"]), "Subject: x\r\n\r\nbody"u8.ToArray(), TestTimeout.Token()));

        Assert.True(error.IsTransient);
        Assert.Contains("r@example.org", error.Message, StringComparison.Ordinal);
        await server.Completion.Within(TestTimeout.Step, "RSET after the refused recipient");
        Assert.Equal(SmtpSessionState.Ready, client.State);
    }

    [Fact]
    public async Task SendAsync_LargerThanSizeOr8BitWithout8BitMime_RefusedBeforeSending()
    {
        await using var server = FakeServer.Start(async c =>
        {
            await GreetAsync(c, "250 SIZE 10\r\n");
            Assert.Equal("QUIT", await c.ReadLineAsync("QUIT (nothing else)"));
            await c.SendAsync("221 bye\r\n");
        });
        await using var client = Client(server);
        await client.ConnectAsync(TestTimeout.Token());
        var tooBig = await Assert.ThrowsAsync<SmtpMessageException>(() => client.SendAsync(new SmtpEnvelope("s@example.org", ["r@example.org"]), "xxxxxxxxxxx"u8.ToArray(), TestTimeout.Token()));
        Assert.Contains("at most 10", tooBig.Message, StringComparison.Ordinal);
        var eightBit = await Assert.ThrowsAsync<SmtpMessageException>(() => client.SendAsync(new SmtpEnvelope("s@example.org", ["r@example.org"]), new byte[] { 0xC3, 0xBC }, TestTimeout.Token()));
        Assert.Contains("8BITMIME", eightBit.Message, StringComparison.Ordinal);
        await client.QuitAsync(TestTimeout.Token());
    }

    [Fact]
    public async Task ConnectAsync_GarbageGreeting_BreaksWithClearError()
    {
        await using var server = FakeServer.Start(async c => await c.SendAsync("* OK IMAP4rev1 ready\r\n"));
        await using var client = Client(server);
        var error = await Assert.ThrowsAsync<SmtpProtocolException>(() => client.ConnectAsync(TestTimeout.Token()));

        Assert.Equal(ProtocolFailureKind.MalformedResponse, error.Kind);
        Assert.Contains("three-digit code", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a\r\n.b", "a\r\n..b\r\n.\r\n")]
    [InlineData(".", "..\r\n.\r\n")]
    [InlineData("x\ny\r\n", "x\r\ny\r\n.\r\n")]
    [InlineData("", ".\r\n")]
    public void DotStuff_Lines_DoublesLeadingDotsAndEndsWithTerminator(string input, string expected) =>
        Assert.Equal(expected, Encoding.ASCII.GetString(SmtpClient.DotStuff(Encoding.ASCII.GetBytes(input))));
}
