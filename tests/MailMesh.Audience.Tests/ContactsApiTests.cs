using System.Text;
using MailMesh.Api.V1;
using MailMesh.Audience.Tests.Support;
using MailMesh.Cli;
using MailMesh.Client;

namespace MailMesh.Audience.Tests;

public sealed class ContactsApiTests : IAsyncLifetime
{
    private ContactsApiHost _host = null!;

    public async Task InitializeAsync() => _host = await ContactsApiHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private Task<(int Code, string Out, string Err)> Cli(params string[] args) => _host.RunCliAsync(args);

    [Fact]
    public async Task Create_ThenUpdateWithText_StoresTypedValues()
    {
        using var client = _host.Client();
        var contacts = client.Contacts();
        await contacts.CreateAsync(new CreateContactRequest
        {
            Address = "Ann@Example.com", Lists = { "newsletter" }, Attributes = { ["first_name"] = new AttributeValue { StringValue = "Ann" } },
        });

        var updated = await contacts.UpdateAsync(new UpdateContactRequest
        {
            Address = "ann@example.com",
            SetAttributes = { ["total_spent"] = new AttributeValue { Text = "250.75" }, ["interests"] = new AttributeValue { Text = "golf;wine" } },
            RemoveAttributes = { "first_name" },
        });

        Assert.Equal("ann@example.com", updated.Address);
        Assert.Equal(250.75, updated.Attributes["total_spent"].NumberValue);
        Assert.Equal(["golf", "wine"], updated.Attributes["interests"].ListValue.Items);
        Assert.False(updated.Attributes.ContainsKey("first_name"));
        Assert.Equal(2, updated.Version);
    }

    [Fact]
    public async Task Update_BadText_IsInvalidArgumentNamingTheField()
    {
        using var client = _host.Client();

        var error = await Assert.ThrowsAsync<MailMeshRpcException>(() => client.Contacts().UpdateAsync(new UpdateContactRequest
        {
            Address = "ann@example.com", CreateIfMissing = true, SetAttributes = { ["birth_date"] = new AttributeValue { Text = "31/12/1980" } },
        }));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("set_attributes[birth_date]", error.Detail, StringComparison.Ordinal);
        Assert.Contains("'31/12/1980' is not a date", error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_Missing_IsNotFoundAndBadAddressIsInvalid()
    {
        using var client = _host.Client();

        var missing = await Assert.ThrowsAsync<MailMeshRpcException>(() => client.Contacts().GetAsync(new GetContactRequest { Address = "ghost@example.com" }));
        var bad = await Assert.ThrowsAsync<MailMeshRpcException>(() => client.Contacts().GetAsync(new GetContactRequest { Address = "ghost..x@example.com" }));

        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, bad.StatusCode);
        Assert.Contains("misplaced '.' at position 6", bad.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_WithReadOnlyKey_IsPermissionDenied()
    {
        using var client = _host.Client(await _host.NewKeyAsync("contacts:read"));

        var error = await Assert.ThrowsAsync<MailMeshRpcException>(() => client.Contacts().CreateAsync(new CreateContactRequest { Address = "ann@example.com" }));

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
    }

    [Fact]
    public async Task ImportFile_Csv_AppliesRowsAndListsIssues()
    {
        using var client = _host.Client();
        var csv = Encoding.UTF8.GetBytes("email,first_name,tier\nann@example.com,Ann,gold\nbob@,Bob,silver\ncarl@example.com,Carl,bronze\n");

        var started = await client.Contacts().ImportFileAsync(
            new CreateImportRequest { ImportId = "first", FileName = "crm.csv", Lists = { "customers" }, ConsentPurpose = "*" }, new MemoryStream(csv));
        await _host.WaitForImportAsync("first");
        var status = await client.Contacts().GetImportAsync(new GetImportRequest { ImportId = "first" });
        var issues = await client.Contacts().ListImportIssuesAsync(new ListImportIssuesRequest { ImportId = "first" });
        var page = await client.Contacts().ListAsync(new ListContactsRequest { List = "customers" });

        Assert.Equal("running", started.State);
        Assert.Equal(("completed", 2L, 1L), (status.State, status.Created, status.Invalid));
        Assert.Equal(3, Assert.Single(issues.Issues).Row);
        Assert.Equal(["ann@example.com", "carl@example.com"], page.Contacts.Select(c => c.Address));
        Assert.Equal(2, page.Total);
    }

    [Fact]
    public async Task Cli_ImportGetAndSuppress_WorkAgainstTheServer()
    {
        var file = Path.Combine(Path.GetTempPath(), $"mailmesh-cli-import-{Guid.NewGuid():N}.csv");
        await File.WriteAllTextAsync(file, "E-mail;Prénom;Country\nzoe@example.com;Zoé;FR\ninfo@example.com;;BE\nnope;x;FR\n", new UTF8Encoding(true));
        try
        {
            var import = await Cli("contacts", "import", file, "--id", "cli", "--map", "Prénom=first_name", "--consent", "newsletter");
            var get = await Cli("contacts", "get", "zoe@example.com", "--json");
            var suppress = await Cli("contacts", "suppress", "zoe@example.com", "--reason", "complained");
            var check = await Cli("contacts", "check", "jo@gmial.com");
            var badType = await Cli("contacts", "define", "vip", "boolean");

            Assert.Equal(0, import.Code);
            Assert.Contains("import cli (", import.Out, StringComparison.Ordinal);
            Assert.Contains("completed: 3 rows, 2 created", import.Out, StringComparison.Ordinal);
            Assert.Contains("row 4 [E-mail] error: 'nope' has no '@'", import.Out, StringComparison.Ordinal);
            Assert.Contains("role address", import.Out, StringComparison.Ordinal);
            Assert.Contains("\"stringValue\": \"Zoé\"", get.Out, StringComparison.Ordinal);
            Assert.Contains("NOT MAILABLE", suppress.Out, StringComparison.Ordinal);
            Assert.Contains("did you mean jo@gmail.com", check.Out, StringComparison.Ordinal);
            Assert.Equal(2, badType.Code);
            Assert.Contains("'boolean' is not an attribute type", badType.Err, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
