using MailMesh.Protocols.Smtp;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace MailMesh.Protocols.Tests.Smtp;

public sealed class SmtpSubmissionRegistrationTests
{
    private static ServiceProvider Build(Dictionary<string, string?> settings) =>
        new ServiceCollection().AddSmtpSubmission(new ConfigurationBuilder().AddInMemoryCollection(settings).Build()).BuildServiceProvider();

    [Fact]
    public async Task AddSmtpSubmission_ValidSection_RegistersPoolAsSubmitterAndDeferralPolicy()
    {
        await using var services = Build(new()
        {
            ["Campaigns:Relay:Host"] = "relay.example.org",
            ["Campaigns:Relay:Port"] = "2525",
            ["Campaigns:Relay:Tls"] = "Implicit",
            ["Campaigns:Relay:User"] = "mailer",
            ["Campaigns:Relay:Password"] = "secret",
            ["Campaigns:Relay:MaxConnections"] = "8",
            ["Campaigns:Relay:MaxMessagesPerConnection"] = "500",
            ["Campaigns:Relay:IdleTimeout"] = "00:01:00",
            ["Campaigns:Relay:TrustedCertificateThumbprints:0"] = "AA:BB",
            ["Campaigns:Relay:Deferral:MaxAge"] = "2.00:00:00",
        });

        var submitter = services.GetRequiredService<IMailSubmitter>();
        var pool = Assert.IsType<SmtpRelayPool>(submitter);
        Assert.Same(pool, services.GetRequiredService<SmtpRelayPool>());
        Assert.Equal("relay.example.org:2525", pool.Relay);
        var options = services.GetRequiredService<IOptions<SmtpRelayOptions>>().Value;
        Assert.Equal((TlsMode.Implicit, 8, 500, "AA:BB"), (options.Tls, options.MaxConnections, options.MaxMessagesPerConnection, options.TrustedCertificateThumbprints[0]));
        Assert.Equal(TimeSpan.FromDays(2), services.GetRequiredService<DeferralPolicy>().Options.MaxAge);
    }

    [Fact]
    public async Task AddSmtpSubmission_InvalidSection_FailsNamingEachKey()
    {
        await using var services = Build(new()
        {
            ["Campaigns:Relay:Host"] = "relay.example.org",
            ["Campaigns:Relay:Tls"] = "None",
            ["Campaigns:Relay:User"] = "mailer",
            ["Campaigns:Relay:MaxConnections"] = "0",
            ["Campaigns:Relay:TrustedCertificateFile"] = "/nonexistent/ca.pem",
            ["Campaigns:Relay:Deferral:Jitter"] = "2",
        });

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<SmtpRelayOptions>>().Value);

        var message = string.Join("\n", error.Failures);
        Assert.Contains("Campaigns:Relay:User is set with Campaigns:Relay:Tls None", message, StringComparison.Ordinal);
        Assert.Contains("Campaigns:Relay:MaxConnections is 0", message, StringComparison.Ordinal);
        Assert.Contains("Campaigns:Relay:TrustedCertificateFile '/nonexistent/ca.pem' does not exist", message, StringComparison.Ordinal);
        Assert.Contains("Campaigns:Relay:Deferral:Jitter is 2", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddSmtpSubmission_MissingHost_FailsSayingWhatToSet()
    {
        await using var services = Build([]);

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IMailSubmitter>());

        Assert.Contains("Campaigns:Relay:Host is empty", error.Message, StringComparison.Ordinal);
    }
}
