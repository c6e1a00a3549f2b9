using MailMesh.Api.V1;
using MailMesh.Audience.Tests.Support;
using MailMesh.Cli;
using MailMesh.Client;

namespace MailMesh.Audience.Tests;

public sealed class SegmentsApiTests : IAsyncLifetime
{
    private ContactsApiHost _host = null!;

    public async Task InitializeAsync() => _host = await ContactsApiHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private Task<(int Code, string Out, string Err)> Cli(params string[] args) => _host.RunCliAsync(args);

    private async Task AddContactsAsync(MailMeshClient client)
    {
        foreach (var (address, tier) in new[] { ("ann@example.com", "gold"), ("bob@example.com", "silver"), ("cy@example.com", "gold") })
        {
            await client.Contacts().CreateAsync(new CreateContactRequest { Address = address, Attributes = { ["tier"] = new AttributeValue { StringValue = tier } } });
        }
    }

    [Fact]
    public async Task CreatePreviewAndMembers_OverTheApi_AnswerFromTheReadModel()
    {
        using var client = _host.Client();
        await AddContactsAsync(client);
        var segments = client.Segments();

        var preview = await segments.PreviewAsync(new PreviewSegmentRequest { Expression = "tier = \"gold\"", SampleSize = 1 });
        var saved = await segments.CreateAsync(new CreateSegmentRequest { Name = "gold", Expression = "tier = \"gold\"", Mode = SegmentMode.Snapshot });
        var members = await segments.ListMembersAsync(new ListSegmentMembersRequest { Name = "gold", PageSize = 10 });

        Assert.Equal(2, preview.Count);
        Assert.Equal(["ann@example.com"], preview.Sample);
        Assert.Equal(2, saved.SnapshotCount);
        Assert.Equal(["ann@example.com", "cy@example.com"], members.Addresses);
        Assert.Equal("", members.NextPageToken);
        Assert.Equal(2, (await segments.PreviewAsync(new PreviewSegmentRequest { Name = "gold" })).Count);
        Assert.True((await segments.DeleteAsync(new DeleteSegmentRequest { Name = "gold" })).Deleted);
    }

    [Fact]
    public async Task Preview_BadExpressionOrMissingSegment_MapsToInvalidArgumentAndNotFound()
    {
        using var client = _host.Client();

        var invalid = await Assert.ThrowsAsync<MailMeshRpcException>(() => client.Segments().PreviewAsync(new PreviewSegmentRequest { Expression = "tier = " }));
        var missing = await Assert.ThrowsAsync<MailMeshRpcException>(() => client.Segments().GetAsync(new GetSegmentRequest { Name = "nope" }));
        var members = await Assert.ThrowsAsync<MailMeshRpcException>(() => client.Segments().ListMembersAsync(new ListSegmentMembersRequest { Name = "nope" }));

        Assert.Equal(StatusCode.InvalidArgument, invalid.StatusCode);
        Assert.Contains("position 7", invalid.Message, StringComparison.Ordinal);
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
        Assert.Equal(StatusCode.NotFound, members.StatusCode);
    }

    [Fact]
    public async Task Cli_SegmentsCommands_CreateListPreviewAndMembers()
    {
        using var client = _host.Client();
        await AddContactsAsync(client);

        var create = await Cli("segments", "create", "gold", "tier = \"gold\"", "--description", "Gold customers");
        var list = await Cli("segments", "list");
        var preview = await Cli("segments", "preview", "tier in (\"gold\", \"silver\")", "--sample", "3");
        var members = await Cli("segments", "members", "gold", "--limit", "0");
        var bad = await Cli("segments", "preview", "tier = \"gold\" and");

        Assert.Equal(0, create.Code);
        Assert.Contains("gold\tdynamic\ttier = \"gold\"", list.Out, StringComparison.Ordinal);
        Assert.StartsWith("3 contacts", preview.Out, StringComparison.Ordinal);
        Assert.Contains("  bob@example.com", preview.Out, StringComparison.Ordinal);
        Assert.Equal("ann@example.com\ncy@example.com\n", members.Out.ReplaceLineEndings("\n"));
        Assert.NotEqual(0, bad.Code);
        Assert.Contains("position 17", bad.Err, StringComparison.Ordinal);
    }
}
