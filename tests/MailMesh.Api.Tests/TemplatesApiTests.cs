using MailMesh.Api.V1;
using MailMesh.Client;
using MailMesh.Testing;

namespace MailMesh.Api.Tests;

public sealed class TemplatesApiTests(CampaignsApiHost host) : IClassFixture<CampaignsApiHost>
{
    private static SaveTemplateRequest Welcome(bool replace = false) => new()
    {
        Name = "welcome", Subject = "Hello {{default first_name \"there\"}}", Html = "<p>Hi {{first_name}} ({{tier}}), welcome.</p>",
        Description = "first mail", Replace = replace,
    };

    [Fact]
    public async Task SaveGetListDelete_Template_RoundTrip()
    {
        using var client = host.Client(await host.NewTenantAsync("tpl-crud"));

        var saved = await client.Templates.SaveAsync(Welcome());
        var again = await client.Templates.SaveAsync(Welcome(replace: true));
        var got = await client.Templates.GetAsync(new GetTemplateRequest { Name = "welcome" });
        var list = await client.Templates.ListAsync(new ListTemplatesRequest());
        var deleted = await client.Templates.DeleteAsync(new DeleteTemplateRequest { Name = "welcome" });
        var missing = await Assert.ThrowsAsync<MailMeshRpcException>(() => client.Templates.GetAsync(new GetTemplateRequest { Name = "welcome" }));

        Assert.Equal((1, 2), (saved.Version, again.Version));
        Assert.Equal(("Hello {{default first_name \"there\"}}", "en-US", "first mail", ""), (got.Subject, got.Locale, got.Description, got.Text));
        Assert.Equal(["welcome"], list.Templates.Select(t => t.Name));
        Assert.True(deleted.Deleted);
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Save_CompileErrors_InvalidArgumentWithEveryPartLineAndColumn()
    {
        using var client = host.Client(await host.NewTenantAsync("tpl-errors"));

        var e = await Assert.ThrowsAsync<MailMeshRpcException>(() => client.Templates.SaveAsync(new SaveTemplateRequest
        {
            Name = "broken", Subject = "Hi {{first_name", Html = "<p>Hello</p>\n<p>{{#if vip}}Gold</p>",
        }));

        var diagnostics = TemplatesClient.Diagnostics(e);
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Equal([("subject", 1, 4), ("html", 2, 4)], diagnostics.Select(d => (d.Part, d.Line, d.Column)));
        Assert.Contains("never closed", diagnostics[1].Message, StringComparison.Ordinal);
        Assert.Contains("subject 1:4:", e.Detail, StringComparison.Ordinal);
        Assert.Contains("html 2:4:", e.Detail, StringComparison.Ordinal);
        Assert.Empty((await client.Templates.ListAsync(new ListTemplatesRequest())).Templates);
    }

    [Fact]
    public async Task Save_BadInput_InvalidArgumentNamingTheField()
    {
        using var client = host.Client(await host.NewTenantAsync("tpl-bad"));
        await client.Templates.SaveAsync(Welcome());

        var noParts = await Assert.ThrowsAsync<MailMeshRpcException>(() => client.Templates.SaveAsync(new SaveTemplateRequest { Name = "x", Subject = "s" }));
        var noSubject = await Assert.ThrowsAsync<MailMeshRpcException>(() => client.Templates.SaveAsync(new SaveTemplateRequest { Name = "x", Text = "t" }));
        var badName = await Assert.ThrowsAsync<MailMeshRpcException>(() => client.Templates.SaveAsync(new SaveTemplateRequest { Name = "a b", Subject = "s", Text = "t" }));
        var exists = await Assert.ThrowsAsync<MailMeshRpcException>(() => client.Templates.SaveAsync(Welcome()));

        Assert.All([noParts, noSubject, badName, exists], e => Assert.Equal(StatusCode.InvalidArgument, e.StatusCode));
        Assert.StartsWith("invalid html:", noParts.Detail, StringComparison.Ordinal);
        Assert.StartsWith("invalid subject:", noSubject.Detail, StringComparison.Ordinal);
        Assert.StartsWith("invalid name:", badName.Detail, StringComparison.Ordinal);
        Assert.Contains("exists already", exists.Detail, StringComparison.Ordinal);
        Assert.Empty(TemplatesClient.Diagnostics(exists));
    }

    [Fact]
    public async Task Preview_Contact_RendersItsAttributesAndNamesMissingFields()
    {
        using var client = host.Client(await host.NewTenantAsync("tpl-preview"));
        await client.Templates.SaveAsync(Welcome());
        await client.Contacts().CreateAsync(new CreateContactRequest { Address = "ann@example.com", Attributes = { ["first_name"] = new AttributeValue { StringValue = "Ann" } } });

        var preview = await client.Templates.PreviewAsync(new PreviewTemplateRequest { Name = "welcome", Contact = "ann@example.com" });

        Assert.Equal("Hello Ann", preview.Subject);
        Assert.Contains("Hi Ann", preview.Html, StringComparison.Ordinal);
        Assert.Contains("Hi Ann", preview.Text, StringComparison.Ordinal);
        Assert.Equal(["tier"], preview.MissingFields);
        Assert.Contains("Subject: Hello Ann", preview.Mime, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Preview_UnknownTemplateOrContact_NotFoundAndInvalidContact()
    {
        using var client = host.Client(await host.NewTenantAsync("tpl-preview-bad"));
        await client.Templates.SaveAsync(Welcome());

        var template = await Assert.ThrowsAsync<MailMeshRpcException>(() => client.Templates.PreviewAsync(new PreviewTemplateRequest { Name = "nope", Contact = "ann@example.com" }));
        var contact = await Assert.ThrowsAsync<MailMeshRpcException>(() => client.Templates.PreviewAsync(new PreviewTemplateRequest { Name = "welcome", Contact = "nobody@example.com" }));
        var empty = await Assert.ThrowsAsync<MailMeshRpcException>(() => client.Templates.PreviewAsync(new PreviewTemplateRequest { Name = "welcome" }));

        Assert.Equal(StatusCode.NotFound, template.StatusCode);
        Assert.Equal((StatusCode.InvalidArgument, StatusCode.InvalidArgument), (contact.StatusCode, empty.StatusCode));
        Assert.StartsWith("invalid contact:", contact.Detail, StringComparison.Ordinal);
        Assert.StartsWith("invalid contact:", empty.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Calls_KeyScopes_ReadAndWriteEnforced()
    {
        var admin = await host.NewTenantAsync("tpl-scopes");
        using var reader = host.Client(await host.NewKeyAsync(admin, ApiScopes.CampaignsRead));
        using var contacts = host.Client(await host.NewKeyAsync(admin, ApiScopes.ContactsWrite));
        using var writer = host.Client(await host.NewKeyAsync(admin, "campaigns:*"));

        await writer.Templates.SaveAsync(Welcome());
        var listed = await reader.Templates.ListAsync(new ListTemplatesRequest());
        var save = await Assert.ThrowsAsync<MailMeshRpcException>(() => reader.Templates.SaveAsync(Welcome(replace: true)));
        var delete = await Assert.ThrowsAsync<MailMeshRpcException>(() => reader.Templates.DeleteAsync(new DeleteTemplateRequest { Name = "welcome" }));
        var get = await Assert.ThrowsAsync<MailMeshRpcException>(() => contacts.Templates.GetAsync(new GetTemplateRequest { Name = "welcome" }));

        Assert.Single(listed.Templates);
        Assert.All([save, delete, get], e => Assert.Equal(StatusCode.PermissionDenied, e.StatusCode));
        Assert.Contains("campaigns:write", save.Detail, StringComparison.Ordinal);
        Assert.Contains("campaigns:read", get.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Calls_OtherTenant_SeeNothingOfTheFirst()
    {
        using var first = host.Client(await host.NewTenantAsync("tpl-tenant-a"));
        using var second = host.Client(await host.NewTenantAsync("tpl-tenant-b"));
        await first.Templates.SaveAsync(Welcome());

        var get = await Assert.ThrowsAsync<MailMeshRpcException>(() => second.Templates.GetAsync(new GetTemplateRequest { Name = "welcome" }));
        var list = await second.Templates.ListAsync(new ListTemplatesRequest());
        var deleted = await second.Templates.DeleteAsync(new DeleteTemplateRequest { Name = "welcome" });

        Assert.Equal(StatusCode.NotFound, get.StatusCode);
        Assert.Empty(list.Templates);
        Assert.False(deleted.Deleted);
        Assert.Equal(1, (await first.Templates.GetAsync(new GetTemplateRequest { Name = "welcome" })).Version);
    }

    [Fact]
    public async Task TestSend_NoOrTooManyOrBadAddresses_InvalidArgumentNamingTheAddress()
    {
        using var client = host.Client(await host.NewTenantAsync("tpl-test-bad"));
        await client.Templates.SaveAsync(Welcome());

        var none = await Assert.ThrowsAsync<MailMeshRpcException>(() => client.Templates.TestSendAsync(new TestSendTemplateRequest { Name = "welcome" }));
        var bad = await Assert.ThrowsAsync<MailMeshRpcException>(() => client.Templates.TestSendAsync(new TestSendTemplateRequest { Name = "welcome", To = { "ok@example.com", "not an address" } }));
        var many = new TestSendTemplateRequest { Name = "welcome" };
        many.To.AddRange(Enumerable.Range(0, 21).Select(i => $"t{i}@example.com"));
        var tooMany = await Assert.ThrowsAsync<MailMeshRpcException>(() => client.Templates.TestSendAsync(many));

        Assert.StartsWith("invalid to:", none.Detail, StringComparison.Ordinal);
        Assert.StartsWith("invalid to[1]:", bad.Detail, StringComparison.Ordinal);
        Assert.StartsWith("invalid to:", tooMany.Detail, StringComparison.Ordinal);
    }

    [ServerFact(Server.SmtpCapture)]
    public async Task TestSend_ToTheSink_AcceptedAndDeliveredWithTestSubject()
    {
        using var client = host.Client(await host.NewTenantAsync("tpl-test-send"));
        var tag = Guid.NewGuid().ToString("N")[..12];
        await client.Templates.SaveAsync(new SaveTemplateRequest { Name = "probe", Subject = "Probe " + tag, Text = "Hello {{default first_name \"friend\"}}" });
        var to = $"probe-{tag}@example.com";

        var reply = await client.Templates.TestSendAsync(new TestSendTemplateRequest { Name = "probe", To = { to } });

        var outcome = Assert.Single(reply.Outcomes);
        Assert.True(outcome.Accepted, $"{outcome.Code} {outcome.Reply}");
        Assert.Equal(250, outcome.Code);
        var message = SinkMessages.WithText(tag).Single();
        Assert.Contains("[TEST]", message, StringComparison.Ordinal);
        Assert.Contains("Hello friend", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cli_TemplatesCommands_SaveListPreviewAndErrorsWithFilePositions()
    {
        var key = await host.NewTenantAsync("tpl-cli");
        using var client = host.Client(key);
        await client.Contacts().CreateAsync(new CreateContactRequest { Address = "bob@example.com", Attributes = { ["first_name"] = new AttributeValue { StringValue = "Bob" } } });
        var directory = Directory.CreateTempSubdirectory("mailmesh-tpl-cli-").FullName;
        try
        {
            var good = Path.Combine(directory, "welcome.html");
            var bad = Path.Combine(directory, "broken.html");
            await File.WriteAllTextAsync(good, "<p>Hi {{first_name}}</p>");
            await File.WriteAllTextAsync(bad, "<p>Hi</p>\n{{#each items}}");

            var save = await host.RunCliAsync(key, "templates", "save", "welcome", "--subject", "Hello {{first_name}}", "--html", good);
            var broken = await host.RunCliAsync(key, "templates", "save", "broken", "-s", "x", "--html", bad);
            var list = await host.RunCliAsync(key, "templates", "list");
            var preview = await host.RunCliAsync(key, "templates", "preview", "welcome", "bob@example.com");
            var missing = await host.RunCliAsync(key, "templates", "get", "nope");

            Assert.Equal((0, "saved welcome version 1"), (save.Code, save.Out.Trim()));
            Assert.Equal(1, broken.Code);
            Assert.Contains("broken.html:2:1:", broken.Err, StringComparison.Ordinal);
            Assert.StartsWith("welcome\tv1\ten-US\tHello {{first_name}}", list.Out, StringComparison.Ordinal);
            Assert.Equal(0, preview.Code);
            Assert.Contains("subject: Hello Bob", preview.Out, StringComparison.Ordinal);
            Assert.Contains("Hi Bob", preview.Out, StringComparison.Ordinal);
            Assert.Equal(1, missing.Code);
            Assert.Contains("NotFound: template 'nope' does not exist", missing.Err, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
