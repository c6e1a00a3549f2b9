using System.Text;
using MailMesh.Protocols.Smtp;
using MailMesh.Protocols.Tests.Support;
using static MailMesh.Protocols.Tests.Smtp.SmtpTestSupport;

namespace MailMesh.Protocols.Tests.Smtp;

/// <summary>The relay pool against the project's real SMTP servers: the capture server (aiosmtpd with DSN, CHUNKING on a
/// second port and the defer-/reject-/drop-/stall-/data-* address patterns) and Postfix smtp-sink.</summary>
public sealed class SmtpRelayPoolServerTests
{
    private static byte[] Message(string marker, string body = "hello\r\n") =>
        Encoding.UTF8.GetBytes($"From: sender@example.org\r\nTo: someone@example.org\r\nSubject: {marker}\r\nMessage-ID: <{marker}@example.org>\r\n\r\n{body}");

    [ServerFact(Server.SmtpCapture)]
    public async Task SubmitAsync_RecipientPatterns_MapsEachReplyToItsRecipient()
    {
        await using var pool = new SmtpRelayPool(Relay(TestServers.SmtpCapture.Address));
        var marker = Guid.NewGuid().ToString("N");
        var result = await pool.SubmitAsync(new MailSubmission("bounce@example.org",
            ["ok@example.org", "defer-1@example.org", "reject-1@example.org", "ok2@example.org"], Message(marker)), TestTimeout.Token());

        Assert.Equal(["ok@example.org", "defer-1@example.org", "reject-1@example.org", "ok2@example.org"], result.Recipients.Select(r => r.Address));
        Assert.Equal([SubmissionStatus.Accepted, SubmissionStatus.Deferred, SubmissionStatus.Failed, SubmissionStatus.Accepted], result.Recipients.Select(r => r.Status));
        Assert.Equal([250, 450, 550, 250], result.Recipients.Select(r => r.Code));
        Assert.Equal("4.2.1", result.Recipients[1].EnhancedCode);
        Assert.Equal("5.1.1", result.Recipients[2].EnhancedCode);
        Assert.Contains("no such user", result.Recipients[2].Reply, StringComparison.Ordinal);
        var (_, envelope) = FindSaved(marker);
        Assert.Equal(["ok@example.org", "ok2@example.org"], envelope.GetProperty("rcpt_tos").EnumerateArray().Select(e => e.GetString()));
    }

    [ServerFact(Server.SmtpCapture)]
    public async Task SubmitAsync_RefusedAfterData_DefersOrFailsEveryAcceptedRecipient()
    {
        await using var pool = new SmtpRelayPool(Relay(TestServers.SmtpCapture.Address));
        var deferred = await pool.SubmitAsync(new MailSubmission("s@example.org", ["a@example.org", "data-defer-1@example.org"], Message("x")), TestTimeout.Token());
        var failed = await pool.SubmitAsync(new MailSubmission("s@example.org", ["data-reject-1@example.org", "reject-2@example.org"], Message("y")), TestTimeout.Token());
        var sender = await pool.SubmitAsync(new MailSubmission("reject-me@example.org", ["a@example.org"], Message("z")), TestTimeout.Token());

        Assert.All(deferred.Recipients, r => Assert.Equal((SubmissionStatus.Deferred, 451, "4.3.0"), (r.Status, r.Code, r.EnhancedCode)));
        Assert.Equal((SubmissionStatus.Failed, 554), (failed.Recipients[0].Status, failed.Recipients[0].Code));
        Assert.Equal((SubmissionStatus.Failed, 550), (failed.Recipients[1].Status, failed.Recipients[1].Code));
        Assert.Equal((SubmissionStatus.Failed, 553, "5.7.1"), (sender.Recipients[0].Status, sender.Recipients[0].Code, sender.Recipients[0].EnhancedCode));
        Assert.Equal(1, pool.ConnectionsOpened);
    }

    [ServerFact(Server.SmtpCapture)]
    public async Task SubmitAsync_RelayDropsConnection_DefersThenRecoversOnNewSession()
    {
        await using var pool = new SmtpRelayPool(Relay(TestServers.SmtpCapture.Address));
        var dropped = await pool.SubmitAsync(new MailSubmission("s@example.org", ["a@example.org", "drop-1@example.org"], Message("drop")), TestTimeout.Token());
        var droppedAfterData = await pool.SubmitAsync(new MailSubmission("s@example.org", ["data-drop-1@example.org"], Message("drop2")), TestTimeout.Token());
        var marker = Guid.NewGuid().ToString("N");
        var next = await pool.SubmitAsync(new MailSubmission("s@example.org", ["a@example.org"], Message(marker)), TestTimeout.Token());

        Assert.All(dropped.Recipients, r => Assert.Equal((SubmissionStatus.Deferred, 0), (r.Status, r.Code)));
        Assert.Contains("closed the connection", dropped.Recipients[0].Reply, StringComparison.Ordinal);
        Assert.Contains("may have been delivered", droppedAfterData.Recipients[0].Reply, StringComparison.Ordinal);
        Assert.Equal(SubmissionStatus.Accepted, next.Recipients[0].Status);
        Assert.Equal(3, pool.ConnectionsOpened);
        Assert.True(IsSaved(marker));
    }

    [ServerFact(Server.SmtpCapture)]
    public async Task SubmitAsync_RelayStallsOnRecipient_DefersNamingTheWaitAfterCommandTimeout()
    {
        await using var pool = new SmtpRelayPool(Relay(TestServers.SmtpCapture.Address, o => o.CommandTimeout = TimeSpan.FromMilliseconds(700)));
        var stalled = await pool.SubmitAsync(new MailSubmission("s@example.org", ["a@example.org", "stall-1@example.org"], Message("stall")), TestTimeout.Token());
        var next = await pool.SubmitAsync(new MailSubmission("s@example.org", ["a@example.org"], Message("after stall")), TestTimeout.Token());

        Assert.All(stalled.Recipients, r => Assert.Equal(SubmissionStatus.Deferred, r.Status));
        Assert.Contains("RCPT TO (recipient 2 of 2)", stalled.Recipients[0].Reply, StringComparison.Ordinal);
        Assert.Equal(SubmissionStatus.Accepted, next.Recipients[0].Status);
        Assert.Equal(2, pool.ConnectionsOpened);
    }

    [ServerFact(Server.SmtpCapture)]
    public async Task SubmitAsync_DsnRequested_ServerSeesRetEnvidNotifyAndOrcpt()
    {
        await using var pool = new SmtpRelayPool(Relay(TestServers.SmtpCapture.Address));
        var marker = Guid.NewGuid().ToString("N");
        var result = await pool.SubmitAsync(new MailSubmission("bounce+x=y@example.org", ["a@example.org", "b+tag@example.org"], Message(marker))
        {
            EnvelopeId = "Campaign+7=A",
            ReturnHeadersOnly = true,
            Notify = DsnNotify.Failure | DsnNotify.Delay,
        }, TestTimeout.Token());

        Assert.All(result.Recipients, r => Assert.Equal(SubmissionStatus.Accepted, r.Status));
        var (_, envelope) = FindSaved(marker);
        var mail = envelope.GetProperty("mail_params_raw").GetString()!;
        Assert.Contains("RET=HDRS", mail, StringComparison.Ordinal);
        Assert.Contains("ENVID=Campaign+2B7+3DA", mail, StringComparison.Ordinal);
        var rcpt = envelope.GetProperty("rcpt_params_raw");
        Assert.Equal("NOTIFY=FAILURE,DELAY ORCPT=rfc822;a@example.org", rcpt.GetProperty("a@example.org").GetString());
        Assert.Equal("NOTIFY=FAILURE,DELAY ORCPT=rfc822;b+2Btag@example.org", rcpt.GetProperty("b+tag@example.org").GetString());
    }

    [ServerFact(Server.SmtpCapture)]
    public async Task SubmitAsync_DotsAndBareLineEnds_RoundTripThroughDataAndBdat()
    {
        var body = "line one\n.starts with a dot\r\n..two dots\r\n.\r\nlast line without end";
        var expectedBody = "line one\r\n.starts with a dot\r\n..two dots\r\n.\r\nlast line without end\r\n";
        foreach (var (address, transfer) in new[] { (TestServers.SmtpCapture.Address, "DATA"), (ChunkingPort, "BDAT") })
        {
            await using var pool = new SmtpRelayPool(Relay(address));
            var marker = Guid.NewGuid().ToString("N");
            var message = Message(marker, body);
            var result = await pool.SubmitAsync(new MailSubmission("s@example.org", ["a@example.org"], message), TestTimeout.Token());

            Assert.Equal(SubmissionStatus.Accepted, result.Recipients[0].Status);
            var (saved, envelope) = FindSaved(marker);
            Assert.Equal(transfer, envelope.GetProperty("transfer").GetString());
            var text = Encoding.UTF8.GetString(saved);
            var headerEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            Assert.Equal(expectedBody, text[(headerEnd + 4)..]);
            Assert.Equal(Encoding.UTF8.GetString(Message(marker, expectedBody)), text);
        }
    }

    [ServerFact(Server.SmtpCapture)]
    public async Task SubmitAsync_NonAsciiRecipientAndHeaders_SendsSmtpUtf8And8BitMime()
    {
        await using var pool = new SmtpRelayPool(Relay(TestServers.SmtpCapture.Address));
        var marker = Guid.NewGuid().ToString("N");
        var result = await pool.SubmitAsync(new MailSubmission("s@example.org", ["josé@exämple.org"], Message(marker, "Grüße\r\n"))
        {
            RequiresSmtpUtf8 = true,
        }, TestTimeout.Token());

        Assert.Equal(SubmissionStatus.Accepted, result.Recipients[0].Status);
        var (saved, envelope) = FindSaved(marker);
        Assert.True(envelope.GetProperty("smtp_utf8").GetBoolean());
        Assert.Equal("josé@exämple.org", envelope.GetProperty("rcpt_tos")[0].GetString());
        Assert.Contains("BODY=8BITMIME", envelope.GetProperty("mail_params_raw").GetString(), StringComparison.Ordinal);
        Assert.Contains("Grüße", Encoding.UTF8.GetString(saved), StringComparison.Ordinal);
    }

    [ServerFact(Server.SmtpSink)]
    public async Task SubmitAsync_SmtpUtf8ToRelayWithoutIt_FailsWithoutSending()
    {
        await using var pool = new SmtpRelayPool(Relay(TestServers.SmtpSink));
        var result = await pool.SubmitAsync(new MailSubmission("s@example.org", ["josé@example.org", "a@example.org"], Message("u")), TestTimeout.Token());

        Assert.All(result.Recipients, r => Assert.Equal(SubmissionStatus.Failed, r.Status));
        Assert.Contains("SMTPUTF8", result.Recipients[0].Reply, StringComparison.Ordinal);
        var ok = await pool.SubmitAsync(new MailSubmission("s@example.org", ["a@example.org"], Message("after")), TestTimeout.Token());
        Assert.Equal(SubmissionStatus.Accepted, ok.Recipients[0].Status);
        Assert.Equal(1, pool.ConnectionsOpened);
    }

    [ServerFact(Server.SmtpCapture)]
    public async Task SubmitAsync_LargerThanSizeOrLongLine_FailsBeforeSending()
    {
        await using var pool = new SmtpRelayPool(Relay(ChunkingPort));
        var tooBig = await pool.SubmitAsync(new MailSubmission("s@example.org", ["a@example.org"], Message("big", new string('x', 900) + "\r\n" + string.Concat(Enumerable.Repeat(new string('y', 990) + "\r\n", 1100)))), TestTimeout.Token());
        var longLine = await pool.SubmitAsync(new MailSubmission("s@example.org", ["a@example.org"], Message("long", new string('z', 999) + "\r\n")), TestTimeout.Token());

        Assert.Equal(SubmissionStatus.Failed, tooBig.Recipients[0].Status);
        Assert.Contains("accepts at most 1048576 (SIZE)", tooBig.Recipients[0].Reply, StringComparison.Ordinal);
        Assert.Equal(SubmissionStatus.Failed, longLine.Recipients[0].Status);
        Assert.Contains("Line 6 of the message is 999 octets", longLine.Recipients[0].Reply, StringComparison.Ordinal);
    }

    [ServerFact(Server.SmtpSink)]
    public async Task SubmitAsync_ConcurrentSubmissions_ReuseAtMostMaxConnections()
    {
        await using var pool = new SmtpRelayPool(Relay(TestServers.SmtpSink, o => o.MaxConnections = 3));
        var results = await Task.WhenAll(Enumerable.Range(0, 60).Select(i =>
            pool.SubmitAsync(new MailSubmission("s@example.org", [$"r{i}@example.org", $"q{i}@example.org"], Message("m" + i)), TestTimeout.Token())));

        Assert.All(results.SelectMany(r => r.Recipients), r => Assert.Equal((SubmissionStatus.Accepted, 250), (r.Status, r.Code)));
        Assert.InRange(pool.ConnectionsOpened, 1, 3);
        Assert.Equal(pool.ConnectionsOpened, pool.IdleConnections);
        Assert.Equal($"{TestServers.SmtpSink.Host}:{TestServers.SmtpSink.Port}", results[0].Relay);
    }

    [ServerFact(Server.SmtpSink)]
    public async Task SubmitAsync_MaxMessagesPerConnection_QuitsAndOpensANewSession()
    {
        await using var pool = new SmtpRelayPool(Relay(TestServers.SmtpSink, o => o.MaxMessagesPerConnection = 2));
        for (var i = 0; i < 5; i++)
        {
            var result = await pool.SubmitAsync(new MailSubmission("s@example.org", ["a@example.org"], Message("n" + i)), TestTimeout.Token());
            Assert.Equal(SubmissionStatus.Accepted, result.Recipients[0].Status);
        }

        Assert.Equal(3, pool.ConnectionsOpened);
        // A session that reached its limit says QUIT after its last caller has the result, so the second one may still be
        // waiting for the relay's 221 when the fifth message is done.
        Assert.True(SpinWait.SpinUntil(() => pool.OpenConnections == 1, TestTimeout.Step), $"{pool.OpenConnections} sessions still open.");
    }

    [ServerFact(Server.SmtpSink)]
    public async Task SubmitAsync_IdleLongerThanIdleTimeout_SweeperClosesSession()
    {
        var clock = new ManualTimeProvider();
        await using var pool = new SmtpRelayPool(Relay(TestServers.SmtpSink, o => o.IdleTimeout = TimeSpan.FromSeconds(10)), timeProvider: clock);
        await pool.SubmitAsync(new MailSubmission("s@example.org", ["a@example.org"], Message("idle")), TestTimeout.Token());
        Assert.Equal(1, pool.IdleConnections);

        clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(1, pool.IdleConnections);
        clock.Advance(TimeSpan.FromSeconds(10));

        Assert.Equal(0, pool.IdleConnections);
        Assert.Equal(0, pool.OpenConnections);
    }

    [ServerFact(Server.SmtpCapture)]
    public async Task SubmitAsync_MalformedAddresses_FailOnlyThoseRecipients()
    {
        await using var pool = new SmtpRelayPool(Relay(TestServers.SmtpCapture.Address));
        var result = await pool.SubmitAsync(new MailSubmission("s@example.org", ["a@example.org", "no at sign", "x@y>z"], Message("bad")), TestTimeout.Token());
        var badSender = await pool.SubmitAsync(new MailSubmission("not a sender", ["a@example.org"], Message("bad2")), TestTimeout.Token());

        Assert.Equal([SubmissionStatus.Accepted, SubmissionStatus.Failed, SubmissionStatus.Failed], result.Recipients.Select(r => r.Status));
        Assert.Contains("not a mailbox", result.Recipients[1].Reply, StringComparison.Ordinal);
        Assert.Equal(SubmissionStatus.Failed, badSender.Recipients[0].Status);
        Assert.Contains("reverse path", badSender.Recipients[0].Reply, StringComparison.Ordinal);
    }
}
