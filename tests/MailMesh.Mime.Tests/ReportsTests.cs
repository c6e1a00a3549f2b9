using MailMesh.Mime.Reports;

namespace MailMesh.Mime.Tests;

public sealed class ReportsTests(ITestOutputHelper output)
{
    private const string Dsn = """
        From: MAILER-DAEMON@mx.example.org
        To: sender@example.com
        Subject: Undelivered Mail Returned to Sender
        Content-Type: multipart/report; report-type=delivery-status; boundary="r"

        --r
        Content-Type: text/plain

        Your message could not be delivered.
        --r
        Content-Type: message/delivery-status

        Reporting-MTA: dns; mx.example.org
        Arrival-Date: Mon, 3 Feb 2025 10:00:00 +0100

        Final-Recipient: rfc822; gone@example.org
        Original-Recipient: rfc822;Gone@Example.org
        Action: failed
        Status: 5.1.1 (user unknown)
        Remote-MTA: dns; in.example.org
        Diagnostic-Code: smtp; 550 5.1.1 <gone@example.org>:
            Recipient address rejected: User unknown

        Final-Recipient: rfc822; slow@example.org
        Action: delayed
        Status: 4.4.1
        Will-Retry-Until: Wed, 5 Feb 2025 10:00:00 +0100
        --r
        Content-Type: text/rfc822-headers

        Subject: original
        --r--
        """;

    [Fact]
    public void DeliveryStatusReport_FromMessage_ReadsPerMessageAndPerRecipientFields()
    {
        var report = DeliveryStatusReport.FromMessage(TestMessages.Parse(Dsn))!;

        Assert.Equal("mx.example.org", report.ReportingMta);
        Assert.Equal(new DateTimeOffset(2025, 2, 3, 10, 0, 0, TimeSpan.FromHours(1)), report.ArrivalDate);
        Assert.Equal(2, report.Recipients.Count);
        var gone = report.Recipients[0];
        Assert.Equal("gone@example.org", gone.FinalRecipient);
        Assert.Equal("Gone@Example.org", gone.OriginalRecipient);
        Assert.Equal("failed", gone.Action);
        Assert.Equal("5.1.1", gone.Status);
        Assert.Equal(5, gone.StatusClass);
        Assert.Equal("smtp", gone.DiagnosticType);
        Assert.Equal("550 5.1.1 <gone@example.org>: Recipient address rejected: User unknown", gone.DiagnosticCode);
        Assert.Equal("in.example.org", gone.RemoteMta);
        Assert.Equal("delayed", report.Recipients[1].Action);
        Assert.Equal(4, report.Recipients[1].StatusClass);
        Assert.NotNull(report.Recipients[1].WillRetryUntil);
    }

    [Fact]
    public void DeliveryStatusReport_MessageWithoutReport_ReturnsNull()
    {
        Assert.Null(DeliveryStatusReport.FromMessage(TestMessages.Parse("Subject: x\n\nbody")));
    }

    [Fact]
    public void FeedbackReport_FromMessage_ReadsArfFields()
    {
        var arf = TestMessages.Parse("""
            Content-Type: multipart/report; report-type=feedback-report; boundary=b

            --b
            Content-Type: text/plain

            abuse report
            --b
            Content-Type: message/feedback-report

            Feedback-Type: Abuse
            User-Agent: SomeGenerator/1.0
            Version: 1
            Original-Mail-From: <spammer@example.net>
            Original-Rcpt-To: <user@example.com>
            Original-Rcpt-To: <other@example.com>
            Arrival-Date: Thu, 8 Mar 2005 14:00:00 EDT
            Source-IP: 192.0.2.2
            Reported-Domain: example.net
            --b
            Content-Type: message/rfc822

            Subject: spam

            buy now
            --b--
            """);

        var report = FeedbackReport.FromMessage(arf)!;

        Assert.Equal("abuse", report.FeedbackType);
        Assert.Equal("SomeGenerator/1.0", report.UserAgent);
        Assert.Equal("spammer@example.net", report.OriginalMailFrom);
        Assert.Equal(["user@example.com", "other@example.com"], report.OriginalRcptTo);
        Assert.Equal("192.0.2.2", report.SourceIp);
        Assert.Equal(["example.net"], report.ReportedDomains);
        Assert.Equal(TimeSpan.FromHours(-4), report.ArrivalDate!.Value.Offset);
    }

    [Fact]
    public void Reports_BounceCorpus_AgreementWithSisimaiExpectationsIsReported()
    {
        var dir = CorpusLocator.BouncesDir;
        if (dir is null)
        {
            output.WriteLine(CorpusLocator.SkipReason("bounce corpus"));
            return;
        }

        var root = Path.Combine(dir, "sisimai-set-of-emails");
        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(Path.Combine(root, "expected-classification.go-sisimai.json")));
        var status = new Conformance.ConformanceReport("DSN Status vs sisimai (files with an RFC 3464 part)");
        var feedback = new Conformance.ConformanceReport("ARF Feedback-Type vs sisimai");
        var withDsn = 0;
        var files = 0;
        foreach (var entry in json.RootElement.GetProperty("expected").EnumerateObject())
        {
            var path = Path.Combine(root, entry.Name);
            if (!File.Exists(path))
            {
                continue;
            }

            files++;
            var message = MimeMessage.Parse(File.ReadAllBytes(path));
            var expected = entry.Value.GetProperty("recipients").EnumerateArray().First();
            var dsn = DeliveryStatusReport.FromMessage(message);
            if (dsn is not null && dsn.Recipients.Count > 0 && expected.GetProperty("deliverystatus").GetString() is { Length: > 0 } expectedStatus)
            {
                withDsn++;
                status.Check(dsn.Recipients.Any(r => r.Status == expectedStatus), $"{entry.Name}: {expectedStatus} vs {string.Join(",", dsn.Recipients.Select(r => r.Status))}");
            }

            if (expected.TryGetProperty("feedbacktype_or_other", out var ft) && entry.Value.GetProperty("engine").GetString() == "ARF")
            {
                var arf = FeedbackReport.FromMessage(message);
                feedback.Check(arf?.FeedbackType == ft.GetString(), $"{entry.Name}: {ft.GetString()} vs {arf?.FeedbackType}");
            }
        }

        output.WriteLine($"{files} bounce files, {withDsn} with an RFC 3464 delivery-status part and an expected status");
        output.WriteLine(status.Summary);
        output.WriteLine(feedback.Summary);
        output.WriteLine("  ARF disagreements: " + string.Join("; ", feedback.Disagreements));
        Assert.True(withDsn > 100, $"expected many DSNs, found {withDsn}");
        Assert.True(status.Rate > 0.6, status.Summary);
        Assert.True(feedback.Rate > 0.6, feedback.Summary);
    }
}
