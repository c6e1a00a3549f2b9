using MailMesh.Engagement.Bounces;
using MailMesh.Testing;

namespace MailMesh.Runtime.PostgreSql.Tests.Engagement;

/// <summary>What every bounce store must do (the bounce processor and the mailbox reader rely on it); one subclass per backend.</summary>
public abstract class BounceStoreContractTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    protected EngagementBackend Backend { get; private set; } = null!;

    protected abstract Task<EngagementBackend> CreateAsync();

    public async Task InitializeAsync() => Backend = await CreateAsync();

    public async Task DisposeAsync()
    {
        if (Backend is not null)
        {
            await Backend.DisposeAsync();
        }
    }

    [SkippableFact]
    public async Task AddReviewAsync_SameBounceTwice_KeepsOneItemAndReturnsItsId()
    {
        var item = Item("mailbox:acme/bounces", "m1", "a@x.org");

        var first = await Backend.Bounces.AddReviewAsync(item);
        var again = await Backend.Bounces.AddReviewAsync(item with { Problem = "unclassified" });
        var otherRecipient = await Backend.Bounces.AddReviewAsync(item with { Recipient = null });

        Assert.Equal(first, again);
        Assert.NotEqual(first, otherRecipient);
        var listed = await Backend.Bounces.ListReviewAsync("acme");
        Assert.Equal([otherRecipient, first], listed.Select(i => i.Id));
        Assert.Equal(item with { Id = first }, listed[1]);
    }

    [SkippableFact]
    public async Task ListReviewAsync_Pages_NewestFirstAndPerTenant()
    {
        var ids = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add(await Backend.Bounces.AddReviewAsync(Item("webhook", $"e{i}", $"r{i}@x.org")));
        }

        await Backend.Bounces.AddReviewAsync(Item("webhook", "other", "r@x.org") with { Tenant = "zeta" });

        var page = await Backend.Bounces.ListReviewAsync("acme", limit: 2);
        var next = await Backend.Bounces.ListReviewAsync("acme", limit: 10, beforeId: page[^1].Id);

        Assert.Equal([ids[4], ids[3]], page.Select(i => i.Id));
        Assert.Equal([ids[2], ids[1], ids[0]], next.Select(i => i.Id));
    }

    [SkippableFact]
    public async Task MarkProcessedAsync_KeysAndCursor_RemembersKeysAndNeverMovesTheCursorBack()
    {
        Assert.Equal(0, await Backend.Bounces.GetCursorAsync("mailboxes"));
        Assert.False(await Backend.Bounces.IsProcessedAsync("acme/bounces/7"));

        await Backend.Bounces.MarkProcessedAsync("acme/bounces/7", "mailboxes", 40, T0);
        await Backend.Bounces.MarkProcessedAsync("acme/bounces/7", "mailboxes", 41, T0);
        await Backend.Bounces.MarkProcessedAsync(null, "mailboxes", 12, T0);

        Assert.True(await Backend.Bounces.IsProcessedAsync("acme/bounces/7"));
        Assert.Equal(41, await Backend.Bounces.GetCursorAsync("mailboxes"));
        Assert.Equal(0, await Backend.Bounces.GetCursorAsync("other"));
    }

    [SkippableFact]
    public async Task AddReviewAsync_TwoSilos_ShareOneReviewList()
    {
        await using var second = await Backend.OpenSecondAsync();

        var first = await Backend.Bounces.AddReviewAsync(Item("webhook", "e1", "a@x.org"));
        var other = await second.Bounces.AddReviewAsync(Item("webhook", "e2", "b@x.org"));
        var same = await second.Bounces.AddReviewAsync(Item("webhook", "e1", "a@x.org"));

        Assert.Equal(first, same);
        Assert.Equal([other, first], (await Backend.Bounces.ListReviewAsync("acme")).Select(i => i.Id));
    }

    private static BounceReviewItem Item(string source, string key, string? recipient) =>
        new(0, "acme", source, key, "unmatched", "hard", "user_unknown", recipient, "5.1.1", "550 5.1.1 no such user", "Undelivered Mail", "blob/1", T0);
}

public sealed class SqliteBounceStoreContractTests : BounceStoreContractTests
{
    protected override Task<EngagementBackend> CreateAsync() => SqliteEngagementBackend.CreateAsync();
}

public sealed class PostgreSqlBounceStoreContractTests : BounceStoreContractTests
{
    protected override Task<EngagementBackend> CreateAsync() => PostgreSqlEngagementBackend.CreateAsync();
}
