using System.Text.Json;
using MailMesh.Grains.Mailboxes;
using MailMesh.Runtime;
using MailMesh.Runtime.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace MailMesh.Silo.Tests;

public sealed class MailboxGrainTests
{
    [Fact]
    public async Task Create_ThenGetAndList_ReturnsTheMailboxAndEmitsMailboxCreated()
    {
        await using var silo = await TestSilo.StartAsync();

        var created = await silo.Grains.GetGrain<IMailboxGrain>("acme/support").Create(new CreateMailbox("Support", "support@acme.test"));
        var fetched = await silo.Grains.GetGrain<IMailboxGrain>("acme/support").Get();
        var listed = await silo.Grains.GetGrain<IMailboxDirectoryGrain>("acme/mailboxes").List(null, 100);

        Assert.Equal(new MailboxInfo("acme", "support", "Support", "support@acme.test", created.CreatedAt), fetched);
        Assert.Equal(["support"], listed);
        var events = await silo.App.Services.GetRequiredService<IEventLog>().ReadAsync(1, 10, new EventFilter("acme", "mailbox"));
        var created1 = Assert.Single(events);
        Assert.Equal("mailbox.created", created1.Type);
        Assert.Equal("acme/support", created1.Subject);
        Assert.Equal("Support", JsonDocument.Parse(created1.PayloadJson).RootElement.GetProperty("displayName").GetString());
    }

    [Fact]
    public async Task Create_Twice_ThrowsAlreadyExistsAndKeepsTheFirst()
    {
        await using var silo = await TestSilo.StartAsync();
        var mailbox = silo.Grains.GetGrain<IMailboxGrain>("acme/sales");
        await mailbox.Create(new CreateMailbox("Sales", null));

        var e = await Assert.ThrowsAsync<MailboxAlreadyExistsException>(() => mailbox.Create(new CreateMailbox("Other", null)));

        Assert.Contains("acme/sales", e.Message, StringComparison.Ordinal);
        Assert.Equal("Sales", (await mailbox.Get())!.DisplayName);
    }

    [Theory]
    [InlineData("", null, "display_name")]
    [InlineData("Ok", "not-an-address", "address")]
    [InlineData("Ok", "a b@example.test", "address")]
    public async Task Create_BadField_ThrowsArgumentExceptionNamingIt(string displayName, string? address, string field)
    {
        await using var silo = await TestSilo.StartAsync();

        var e = await Assert.ThrowsAsync<ArgumentException>(() => silo.Grains.GetGrain<IMailboxGrain>("acme/bad").Create(new CreateMailbox(displayName, address)));

        Assert.Contains(field, e.Message, StringComparison.Ordinal);
        Assert.Null(await silo.Grains.GetGrain<IMailboxGrain>("acme/bad").Get());
    }

    [Fact]
    public async Task GetGrain_KeyWithoutTenant_ThrowsInvalidGrainKey()
    {
        await using var silo = await TestSilo.StartAsync();

        var e = Assert.Throws<InvalidGrainKeyException>(() => silo.Grains.GetGrain<IMailboxGrain>("no-tenant-here"));

        Assert.Contains("no '/'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mailboxes_SurviveASiloRestart()
    {
        var directory = TestSilo.NewDataDirectory();
        await using (var first = await TestSilo.StartAsync(directory))
        {
            await first.Grains.GetGrain<IMailboxGrain>("globex/ops").Create(new CreateMailbox("Ops", "ops@globex.test"));
        }

        await using var second = await TestSilo.StartAsync(directory);
        var mailbox = await second.Grains.GetGrain<IMailboxGrain>("globex/ops").Get();
        var listed = await second.Grains.GetGrain<IMailboxDirectoryGrain>("globex/mailboxes").List(null, 10);

        Assert.Equal("ops@globex.test", mailbox?.Address);
        Assert.Equal(["ops"], listed);
    }

    [Fact]
    public async Task List_Paging_ContinuesAfterTheLastName()
    {
        await using var silo = await TestSilo.StartAsync();
        foreach (var name in new[] { "c", "a", "b", "d" })
        {
            await silo.Grains.GetGrain<IMailboxGrain>($"paged/{name}").Create(new CreateMailbox(name.ToUpperInvariant(), null));
        }

        var directory = silo.Grains.GetGrain<IMailboxDirectoryGrain>("paged/mailboxes");
        Assert.Equal(["a", "b"], await directory.List(null, 2));
        Assert.Equal(["c", "d"], await directory.List("b", 2));
        Assert.Empty(await directory.List("d", 2));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => directory.List(null, 0));
    }
}
