using System.Text;
using System.Text.Json;
using MailMesh.Campaigns.Composition;
using MailMesh.Grains.Campaigns;
using MailMesh.Grains.Contacts;
using MailMesh.Mime;
using MailMesh.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace MailMesh.Campaigns.Tests.Templates;

public sealed class TemplateDirectoryGrainTests : IAsyncLifetime
{
    private TemplateSilo _silo = null!;

    public async Task InitializeAsync() => _silo = await TemplateSilo.StartAsync();

    public async Task DisposeAsync() => await _silo.DisposeAsync();

    private static TemplateDefinition Welcome(string html = "<p>Hi {{default first_name \"there\"}}, {{number total_spent \"N2\"}} spent</p>") =>
        new("welcome", "Welcome {{first_name}}", html, null, "en-US", "The welcome mail");

    [Fact]
    public async Task Save_ValidTemplate_IsStoredWithVersions()
    {
        var first = await _silo.Templates.Save(Welcome(), replace: false);
        var second = await _silo.Templates.Save(Welcome("<p>v2</p>"), replace: true);

        Assert.Equal(1, first.Version);
        Assert.Equal(2, second.Version);
        Assert.Equal(first.CreatedAt, second.CreatedAt);
        Assert.Equal("<p>v2</p>", (await _silo.Templates.Get("welcome"))!.Definition.Html);
        Assert.Equal(["welcome"], (await _silo.Templates.List()).Select(t => t.Definition.Name));
    }

    [Fact]
    public async Task Save_ExistingWithoutReplace_IsRefused()
    {
        await _silo.Templates.Save(Welcome(), replace: false);

        var error = await Assert.ThrowsAnyAsync<Exception>(() => _silo.Templates.Save(Welcome(), replace: false));

        Assert.Contains("exists already", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Save_TemplateThatDoesNotCompile_IsRefusedWithPositionAndNotStored()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => _silo.Templates.Save(Welcome("<p>\n{{#each interests}}{{this}}</p>"), replace: false));

        Assert.Contains("html 2:1", error.Message, StringComparison.Ordinal);
        Assert.Contains("never closed", error.Message, StringComparison.Ordinal);
        Assert.Null(await _silo.Templates.Get("welcome"));
    }

    [Theory]
    [InlineData("", "1-64 characters")]
    [InlineData("-x", "'-' at position 1")]
    [InlineData("a b", "' ' at position 2")]
    public async Task Save_MalformedName_SaysWhatIsWrong(string name, string expected)
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => _silo.Templates.Save(Welcome() with { Name = name }, replace: false));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Delete_SavedTemplate_RemovesItOnce()
    {
        await _silo.Templates.Save(Welcome(), replace: false);

        Assert.True(await _silo.Templates.Delete("welcome"));
        Assert.False(await _silo.Templates.Delete("welcome"));
        Assert.Empty(await _silo.Templates.List());
    }

    [Fact]
    public async Task Preview_Contact_RendersThePersonalizedMessage()
    {
        await _silo.Templates.Save(Welcome(), replace: false);
        await _silo.Contact("jane@example.net").Upsert(new ContactChange(new Dictionary<string, AttributeValue?>
        {
            ["first_name"] = AttributeValue.Of("Jane"), ["total_spent"] = AttributeValue.Of(1234.5),
        }));

        var preview = await _silo.Templates.Preview("welcome", "Jane@Example.net");

        Assert.Equal("Welcome Jane", preview.Subject);
        Assert.Contains("<p>Hi Jane, 1,234.50 spent</p>", preview.Html, StringComparison.Ordinal);
        Assert.Contains("Hi Jane, 1,234.50 spent", preview.Text, StringComparison.Ordinal);
        Assert.Empty(preview.MissingFields);
        using var message = MimeMessage.Parse(Encoding.UTF8.GetBytes(preview.Mime));
        Assert.Equal("Welcome Jane", message.Subject);
        Assert.Equal("news@shop.example", message.From.Mailboxes.Single().Address);
        Assert.DoesNotContain("DKIM-Signature", preview.Mime, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Preview_ContactWithoutAField_ReportsItMissing()
    {
        await _silo.Templates.Save(Welcome(), replace: false);
        await _silo.Contact("joe@example.net").Upsert(new ContactChange(new Dictionary<string, AttributeValue?> { ["last_name"] = AttributeValue.Of("Doe") }));

        var preview = await _silo.Templates.Preview("welcome", "joe@example.net");

        Assert.Equal("Welcome", preview.Subject);
        Assert.Equal(["first_name", "total_spent"], preview.MissingFields);
    }

    [Fact]
    public async Task Preview_UnknownContactOrTemplate_SaysWhich()
    {
        await _silo.Templates.Save(Welcome(), replace: false);

        var noContact = await Assert.ThrowsAnyAsync<Exception>(() => _silo.Templates.Preview("welcome", "nobody@example.net"));
        var noTemplate = await Assert.ThrowsAnyAsync<Exception>(() => _silo.Templates.Preview("nope", "nobody@example.net"));

        Assert.Contains("contact 'nobody@example.net' does not exist", noContact.Message, StringComparison.Ordinal);
        Assert.Contains("template 'nope' does not exist", noTemplate.Message, StringComparison.Ordinal);
    }

    [ServerFact(Server.SmtpCapture)]
    public async Task TestSend_ToTwoAddresses_ReachesTheRelayPersonalized()
    {
        var marker = Guid.NewGuid().ToString("N");
        await _silo.Templates.Save(Welcome("<p>Hi {{first_name}}</p>") with { Subject = "Welcome {{first_name}} " + marker }, replace: false);
        await _silo.Contact("jane@example.net").Upsert(new ContactChange(new Dictionary<string, AttributeValue?> { ["first_name"] = AttributeValue.Of("Jane") }));

        var outcomes = await _silo.Templates.TestSend("welcome", "jane@example.net", ["qa1@example.org", "bad address"]);

        Assert.Equal(2, outcomes.Count);
        Assert.True(outcomes[0].Accepted, outcomes[0].Reply);
        Assert.Equal(250, outcomes[0].Code);
        Assert.False(outcomes[1].Accepted);
        Assert.Equal(0, outcomes[1].Code);
        var (content, envelope) = FindSaved(marker);
        using var message = MimeMessage.Parse(content);
        Assert.Equal("[TEST] Welcome Jane " + marker, message.Subject);
        Assert.Contains("Hi Jane", message.HtmlBody, StringComparison.Ordinal);
        Assert.Equal("qa1@example.org", message.To.Mailboxes.Single().Address);
        Assert.Equal("qa1@example.org", envelope.GetProperty("rcpt_tos")[0].GetString());
        Assert.True(ReturnPath.TryParse(envelope.GetProperty("mail_from").GetString(), out var sendId));
        Assert.Equal(SendId.For(TemplateSilo.Tenant, "test", "qa1@example.org"), sendId);
        var unsubscribe = message.Headers["List-Unsubscribe"]!;
        var token = unsubscribe[(unsubscribe.IndexOf("/u/", StringComparison.Ordinal) + 3)..unsubscribe.IndexOf('>', StringComparison.Ordinal)];
        var codec = _silo.Silo.Services.GetRequiredService<MailMesh.Campaigns.Links.TrackingTokenCodec>();
        Assert.Equal(MailMesh.Campaigns.Links.TrackingTokenStatus.Valid, codec.TryDecode(token, out var claims));
        Assert.Equal(("test", "qa1@example.org"), (claims!.CampaignId, claims.ContactAddress));
    }

    [Fact]
    public async Task AddCampaignComposition_MissingSettings_FailsAtStartNamingEachKey()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Tracking:PublicBaseUrl"] = "ftp://nowhere",
            ["Tracking:Keys:0:Id"] = "1",
            ["Tracking:Keys:0:Key"] = Convert.ToBase64String(new byte[16]),
            ["Campaigns:Dkim:Keys:0:Domain"] = "shop.example",
            ["Campaigns:Dkim:Keys:0:Selector"] = "s1",
            ["Campaigns:Dkim:Keys:0:PrivateKey"] = "not a pem",
        };
        var services = new ServiceCollection().AddCampaignComposition(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        using var provider = services.BuildServiceProvider();

        var tracking = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<MailMesh.Campaigns.Links.TrackingOptions>>().Value);
        var composition = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<CompositionOptions>>().Value);
        var dkim = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<MailMesh.Campaigns.Dkim.DkimOptions>>().Value);

        Assert.Contains("Tracking:PublicBaseUrl 'ftp://nowhere' is not an absolute http(s) URL", tracking.Message, StringComparison.Ordinal);
        Assert.Contains("Tracking:Keys:0:Key (id 1) is not base64 of at least 32 bytes", tracking.Message, StringComparison.Ordinal);
        Assert.Contains("Campaigns:Composition:ReturnPathDomain", composition.Message, StringComparison.Ordinal);
        Assert.Contains("Campaigns:Dkim:Keys:0 (shop.example): the DKIM key is not PEM", dkim.Message, StringComparison.Ordinal);
    }

    private static (byte[] Content, JsonElement Envelope) FindSaved(string marker)
    {
        var capture = TestServers.SmtpCapture;
        foreach (var file in Directory.EnumerateFiles(capture.NewMessagesDirectory))
        {
            var bytes = File.ReadAllBytes(file);
            if (Encoding.UTF8.GetString(bytes).Contains(marker, StringComparison.Ordinal))
            {
                var envelope = JsonDocument.Parse(File.ReadAllText(Path.Combine(capture.EnvelopesDirectory, Path.GetFileName(file) + ".json"))).RootElement;
                return (bytes, envelope);
            }
        }

        throw new Xunit.Sdk.XunitException($"no message with marker {marker} in {capture.NewMessagesDirectory}");
    }
}
