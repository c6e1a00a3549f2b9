using System.Diagnostics;
using MailMesh.Protocols;
using MailMesh.Protocols.Imap;
using MailMesh.Protocols.Smtp;
using MailMesh.Testing;

namespace MailMesh.Telemetry.Tests;

public sealed class ProtocolTelemetryTests
{
    [Fact]
    public async Task SmtpSend_DeferredThenAccepted_RecordsSessionAndCommandSpansAndMessageOutcomes()
    {
        using var recorder = new ActivityRecorder();
        using var metrics = new MeasurementRecorder("MailMesh.Protocols");
        await using var server = new FakeSmtpServer("451 4.3.0 try again later");
        using var parent = ActivityRecorder.TestSource.StartActivity("test")!;
        var client = new SmtpClient(new SmtpClientOptions { Host = "127.0.0.1", Port = server.Port, Tls = TlsMode.None, LocalDomain = "client.test" });
        await using (client)
        {
            await client.ConnectAsync();
            var message = "Subject: hi\r\n\r\nhello\r\n"u8.ToArray();
            var deferred = await Assert.ThrowsAsync<SmtpCommandException>(() => client.SendAsync(new SmtpEnvelope("a@client.test", ["b@fake.test"]), message));
            await client.SendAsync(new SmtpEnvelope("a@client.test", ["b@fake.test"]), message);
            await client.QuitAsync();
            Assert.Equal(451, deferred.Code);
        }

        parent.Stop();

        var spans = recorder.InTrace(parent.TraceId);
        var session = spans.Single(a => a.DisplayName == "SMTP session");
        Assert.Equal(ActivityKind.Client, session.Kind);
        Assert.Equal("127.0.0.1", session.GetTagItem("server.address"));
        Assert.Equal(server.Port, session.GetTagItem("server.port"));
        Assert.Equal("smtp", session.GetTagItem("network.protocol.name"));
        var ehlo = spans.Single(a => a.DisplayName == "SMTP EHLO");
        Assert.Equal(session.SpanId, ehlo.ParentSpanId);
        var sends = spans.Where(a => a.DisplayName == "SMTP SEND").OrderBy(a => a.StartTimeUtc).ToList();
        Assert.Equal(2, sends.Count);
        Assert.Equal((ActivityStatusCode.Error, "no"), (sends[0].Status, sends[0].GetTagItem("mailmesh.mail.outcome")));
        Assert.Equal((ActivityStatusCode.Unset, "ok"), (sends[1].Status, sends[1].GetTagItem("mailmesh.mail.outcome")));
        Assert.All(sends, s => Assert.Equal(session.SpanId, Assert.Single(s.Links).Context.SpanId));
        Assert.Equal(parent.SpanId, sends[0].ParentSpanId);
        Assert.DoesNotContain(spans, a => a.DisplayName.Contains('@', StringComparison.Ordinal));
        Assert.Equal(1, metrics.Sum("mailmesh.smtp.client.messages", ("outcome", "deferred")));
        Assert.Equal(1, metrics.Sum("mailmesh.smtp.client.messages", ("outcome", "sent")));
        Assert.Equal(1, metrics.Sum("mailmesh.mail.client.sessions", ("protocol", "SMTP"), ("outcome", "ok")));
        Assert.Equal(1, metrics.Count("mailmesh.mail.client.command.duration", ("protocol", "SMTP"), ("command", "SEND"), ("outcome", "no")));
        Assert.Equal(1, metrics.Count("mailmesh.mail.client.command.duration", ("protocol", "SMTP"), ("command", "QUIT"), ("outcome", "ok")));
    }

    [Fact]
    public async Task SmtpConnect_NoServerListening_FailedConnectIsCountedAndTheSessionSpanFails()
    {
        using var recorder = new ActivityRecorder();
        using var metrics = new MeasurementRecorder("MailMesh.Protocols");
        var port = Loopback.FreePort();
        using var parent = ActivityRecorder.TestSource.StartActivity("test")!;
        await using var client = new SmtpClient(new SmtpClientOptions { Host = "127.0.0.1", Port = port, Tls = TlsMode.None, ConnectTimeout = TimeSpan.FromSeconds(10) });

        await Assert.ThrowsAsync<SmtpProtocolException>(() => client.ConnectAsync());
        parent.Stop();

        var session = recorder.InTrace(parent.TraceId).Single(a => a.DisplayName == "SMTP session");
        Assert.Equal(ActivityStatusCode.Error, session.Status);
        Assert.Equal(typeof(SmtpProtocolException).FullName, session.GetTagItem("error.type"));
        Assert.Equal(1, metrics.Sum("mailmesh.mail.client.sessions", ("protocol", "SMTP"), ("outcome", "error")));
    }

    [ServerFact(Server.Dovecot)]
    public async Task ImapCommands_AgainstDovecot_AreChildrenOfTheCallerAndLinkedToTheSession()
    {
        using var recorder = new ActivityRecorder();
        using var metrics = new MeasurementRecorder("MailMesh.Protocols");
        var dovecot = TestServers.Dovecot;
        var options = new ImapClientOptions { Host = dovecot.Host, Port = dovecot.ImapPort, Tls = TlsMode.StartTls };
        options.TlsOptions.TrustedCertificates.Add(dovecot.LoadCaCertificate());
        using var parent = ActivityRecorder.TestSource.StartActivity("test")!;
        await using (var client = new ImapClient(options))
        {
            await client.ConnectAsync();
            await client.LoginAsync(dovecot.Alice.Address, dovecot.Alice.Password);
            await client.ExamineAsync("INBOX");
            await Assert.ThrowsAsync<ImapCommandException>(() => client.ExamineAsync("No/Such/Folder-" + Guid.NewGuid().ToString("N")));
        }

        parent.Stop();

        var spans = recorder.InTrace(parent.TraceId);
        var session = spans.Single(a => a.DisplayName == "IMAP session");
        Assert.Equal(dovecot.ImapPort, session.GetTagItem("server.port"));
        Assert.Contains(spans, a => a.DisplayName == "IMAP STARTTLS" && a.ParentSpanId == session.SpanId);
        var examines = spans.Where(a => a.DisplayName == "IMAP EXAMINE").OrderBy(a => a.StartTimeUtc).ToList();
        Assert.Equal(2, examines.Count);
        Assert.All(examines, e => Assert.Equal(parent.SpanId, e.ParentSpanId));
        Assert.All(examines, e => Assert.Equal(session.SpanId, Assert.Single(e.Links).Context.SpanId));
        Assert.Equal(["ok", "no"], examines.Select(e => e.GetTagItem("mailmesh.mail.outcome")));
        Assert.Equal(ActivityStatusCode.Unset, session.Status);
        Assert.True(metrics.Count("mailmesh.mail.client.command.duration", ("protocol", "IMAP"), ("command", "EXAMINE"), ("outcome", "no")) >= 1);
    }
}
