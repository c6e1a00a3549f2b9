using MailMesh.Api.Tests.Infrastructure;
using MailMesh.Api.V1;
using MailMesh.Client;

namespace MailMesh.Api.Tests;

public sealed class MailboxApiTests(ApiHostFixture fixture) : IClassFixture<ApiHostFixture>
{
    [Fact]
    public async Task CreateGetList_Mailboxes_RoundTripThroughTheGrains()
    {
        var (tenant, admin) = await fixture.NewTenantAsync("mbx");
        using var client = fixture.Host.Client(admin);

        var created = await client.Mailboxes.CreateAsync(new CreateMailboxRequest { Name = "support", DisplayName = "Support", Address = "support@example.com" });
        await client.Mailboxes.CreateAsync(new CreateMailboxRequest { Name = "billing", DisplayName = "Billing" });
        var got = await client.Mailboxes.GetAsync(new GetMailboxRequest { Name = "support" });
        var list = await client.Mailboxes.ListAsync(new ListMailboxesRequest());

        Assert.Equal(tenant, created.Tenant);
        Assert.Equal("support@example.com", got.Address);
        Assert.Equal(["billing", "support"], list.Mailboxes.Select(m => m.Name));
        Assert.Empty(list.NextPageToken);
    }

    [Fact]
    public async Task List_Pages_FollowTheToken()
    {
        var (_, admin) = await fixture.NewTenantAsync("pages");
        using var client = fixture.Host.Client(admin);
        foreach (var name in new[] { "a", "b", "c", "d", "e" })
        {
            await client.Mailboxes.CreateAsync(new CreateMailboxRequest { Name = name, DisplayName = name });
        }

        var names = new List<string>();
        var token = "";
        var pages = 0;
        do
        {
            var page = await client.Mailboxes.ListAsync(new ListMailboxesRequest { PageSize = 2, PageToken = token });
            names.AddRange(page.Mailboxes.Select(m => m.Name));
            token = page.NextPageToken;
            pages++;
        }
        while (token.Length > 0);

        Assert.Equal(["a", "b", "c", "d", "e"], names);
        Assert.Equal(3, pages);
    }

    [Fact]
    public async Task Create_Duplicate_IsAlreadyExists()
    {
        var (_, admin) = await fixture.NewTenantAsync("dupmbx");
        using var client = fixture.Host.Client(admin);
        await client.Mailboxes.CreateAsync(new CreateMailboxRequest { Name = "one", DisplayName = "One" });

        var e = await Assert.ThrowsAsync<MailMeshRpcException>(() => client.Mailboxes.CreateAsync(new CreateMailboxRequest { Name = "one", DisplayName = "One" }));

        Assert.Equal(StatusCode.AlreadyExists, e.StatusCode);
    }

    [Theory]
    [InlineData("", "Display", "name")]
    [InlineData("a/b", "Display", "name")]
    [InlineData("ok", "", "display_name")]
    [InlineData("ok2", "Display", "address")]
    public async Task Create_BadField_IsInvalidArgumentNamingTheField(string name, string displayName, string field)
    {
        var (_, admin) = await fixture.NewTenantAsync("badmbx");
        using var client = fixture.Host.Client(admin);
        var request = new CreateMailboxRequest { Name = name, DisplayName = displayName, Address = field == "address" ? "not an address" : "" };

        var e = await Assert.ThrowsAsync<MailMeshRpcException>(() => client.Mailboxes.CreateAsync(request));

        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.StartsWith($"invalid {field}:", e.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_Unknown_IsNotFound()
    {
        var (_, admin) = await fixture.NewTenantAsync("nf");
        using var client = fixture.Host.Client(admin);

        var e = await Assert.ThrowsAsync<MailMeshRpcException>(() => client.Mailboxes.GetAsync(new GetMailboxRequest { Name = "ghost" }));

        Assert.Equal(StatusCode.NotFound, e.StatusCode);
    }

    [Fact]
    public async Task List_BadPageSizeOrToken_IsInvalidArgument()
    {
        var (_, admin) = await fixture.NewTenantAsync("badpage");
        using var client = fixture.Host.Client(admin);

        var size = await Assert.ThrowsAsync<MailMeshRpcException>(() => client.Mailboxes.ListAsync(new ListMailboxesRequest { PageSize = 5000 }));
        var token = await Assert.ThrowsAsync<MailMeshRpcException>(() => client.Mailboxes.ListAsync(new ListMailboxesRequest { PageToken = "%%%" }));

        Assert.Contains("page_size", size.Detail, StringComparison.Ordinal);
        Assert.Contains("page_token", token.Detail, StringComparison.Ordinal);
    }
}
