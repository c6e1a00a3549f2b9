using System.Text.Json;
using MailMesh.Api.V1;
using MailMesh.Audience.Tests.Support;
using MailMesh.Cli;
using MailMesh.Client;

namespace MailMesh.Audience.Tests;

public sealed class ContactsPrivacyApiTests : IAsyncLifetime
{
    private ContactsApiHost _host = null!;

    public async Task InitializeAsync() => _host = await ContactsApiHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private Task<(int Code, string Out, string Err)> Cli(params string[] args) => _host.RunCliAsync(args);

    [Fact]
    public async Task Export_ContactWithConsent_ReturnsOneJsonDocument()
    {
        using var client = _host.Client();
        await client.Contacts().CreateAsync(new CreateContactRequest
        {
            Address = "ann@example.com", Lists = { "newsletter" }, Attributes = { ["first_name"] = new AttributeValue { StringValue = "Ann" } },
            Consent = { new ConsentEntry { Purpose = "newsletter", Ip = "198.51.100.4", Form = "signup" } },
        });

        var export = await client.Contacts().ExportAsync(new ExportContactRequest { Address = "Ann@Example.com" });

        Assert.True(export.ContactExists);
        using var json = JsonDocument.Parse(export.Json);
        var root = json.RootElement;
        Assert.Equal("ann@example.com", root.GetProperty("address").GetString());
        Assert.Equal("Ann", root.GetProperty("contact").GetProperty("attributes").GetProperty("first_name").GetProperty("string_value").GetString());
        Assert.Equal("198.51.100.4", root.GetProperty("contact").GetProperty("consent")[0].GetProperty("ip").GetString());
        Assert.Equal("contact.created", root.GetProperty("events")[0].GetProperty("type").GetString());
        Assert.Equal("ann@example.com", root.GetProperty("events")[0].GetProperty("payload").GetProperty("address").GetString());
    }

    [Fact]
    public async Task Erase_ThroughApi_ForgetsTheContactAndRefusesItsCreation()
    {
        using var client = _host.Client();
        await client.Contacts().CreateAsync(new CreateContactRequest { Address = "bea@example.com" });

        var erased = await client.Contacts().EraseAsync(new EraseContactRequest { Address = "bea@example.com" });

        Assert.True(erased.ContactExisted);
        Assert.Equal(64, erased.AddressHash.Length);
        Assert.True(erased.EventsTombstoned >= 1);
        var get = await Assert.ThrowsAsync<MailMeshRpcException>(() => client.Contacts().GetAsync(new GetContactRequest { Address = "bea@example.com" }));
        Assert.Equal(StatusCode.NotFound, get.StatusCode);
        var create = await Assert.ThrowsAsync<MailMeshRpcException>(() => client.Contacts().CreateAsync(new CreateContactRequest { Address = "bea@example.com" }));
        Assert.Equal(StatusCode.FailedPrecondition, create.StatusCode);
        Assert.Contains("erased at the person's request", create.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cli_ExportThenErase_PrintsTheDocumentAndNeedsConfirmation()
    {
        var create = await Cli("contacts", "create", "cy@example.com", "--set", "first_name=Cy");
        var export = await Cli("contacts", "export", "cy@example.com");
        var unconfirmed = await Cli("contacts", "erase", "cy@example.com");
        var erase = await Cli("contacts", "erase", "cy@example.com", "--yes");
        var again = await Cli("contacts", "get", "cy@example.com");

        Assert.Equal(0, create.Code);
        Assert.Equal(0, export.Code);
        Assert.Equal("Cy", JsonDocument.Parse(export.Out).RootElement.GetProperty("contact").GetProperty("attributes").GetProperty("first_name").GetProperty("string_value").GetString());
        Assert.NotEqual(0, unconfirmed.Code);
        Assert.Contains("--yes", unconfirmed.Err, StringComparison.Ordinal);
        Assert.Equal(0, erase.Code);
        Assert.Contains("contact removed", erase.Out, StringComparison.Ordinal);
        Assert.NotEqual(0, again.Code);
    }
}
