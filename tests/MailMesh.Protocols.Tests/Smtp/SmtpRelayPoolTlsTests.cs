using System.Text;
using MailMesh.Protocols.Smtp;
using MailMesh.Protocols.Tests.Support;
using static MailMesh.Protocols.Tests.Smtp.SmtpTestSupport;

namespace MailMesh.Protocols.Tests.Smtp;

/// <summary>The relay pool over STARTTLS and implicit TLS to the capture server's TLS ports (a test CA made by
/// scripts/test-servers.sh): certificate validation on, trust given explicitly.</summary>
public sealed class SmtpRelayPoolTlsTests
{
    private static string CaFile => Environment.GetEnvironmentVariable("MAILMESH_TEST_SMTP_CA_CERT")
        ?? Path.Combine(Path.GetDirectoryName(TestServers.SmtpCapture.Directory)!, "ssl", "ca.pem");

    private static HostPort Port(string variable, int fallback) =>
        new(TestServers.SmtpCapture.Address.Host, int.TryParse(Environment.GetEnvironmentVariable(variable), out var port) ? port : fallback);

    private static MailSubmission Mail(string marker) =>
        new("s@example.org", ["a@example.org"], Encoding.ASCII.GetBytes($"From: s@example.org\r\nSubject: {marker}\r\n\r\nover TLS\r\n"));

    [ServerTheory(Server.SmtpCapture)]
    [InlineData(TlsMode.StartTls, "MAILMESH_TEST_SMTP_STARTTLS_PORT", 22528)]
    [InlineData(TlsMode.Implicit, "MAILMESH_TEST_SMTPS_PORT", 22529)]
    public async Task SubmitAsync_TlsWithTrustedTestCa_SendsOverTls(TlsMode tls, string portVariable, int defaultPort)
    {
        await using var pool = new SmtpRelayPool(Relay(Port(portVariable, defaultPort), o =>
        {
            o.Tls = tls;
            o.TrustedCertificateFile = CaFile;
        }));
        var marker = Guid.NewGuid().ToString("N");

        var result = await pool.SubmitAsync(Mail(marker), TestTimeout.Token());

        Assert.Equal(SubmissionStatus.Accepted, result.Recipients[0].Status);
        Assert.True(FindSaved(marker).Envelope.GetProperty("tls").GetBoolean());
    }

    [ServerFact(Server.SmtpCapture)]
    public async Task SubmitAsync_StartTlsCertificateNotTrusted_DefersWithoutSending()
    {
        await using var pool = new SmtpRelayPool(Relay(Port("MAILMESH_TEST_SMTP_STARTTLS_PORT", 22528), o => o.Tls = TlsMode.StartTls));
        var marker = Guid.NewGuid().ToString("N");

        var result = await pool.SubmitAsync(Mail(marker), TestTimeout.Token());

        Assert.Equal((SubmissionStatus.Deferred, 0), (result.Recipients[0].Status, result.Recipients[0].Code));
        Assert.Contains("not trusted", result.Recipients[0].Reply, StringComparison.Ordinal);
        Assert.False(IsSaved(marker));
    }
}
