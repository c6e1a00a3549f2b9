using MailMesh.Testing;

namespace MailMesh.Runtime.Storage.Contracts;

/// <summary>What every <see cref="IReminderTable"/> must do.</summary>
public abstract class ReminderTableContractTests : StorageContractTestBase
{
    private static readonly DateTimeOffset Due = new DateTimeOffset(2026, 11, 22, 18, 0, 0, TimeSpan.FromHours(1)).AddTicks(12345);

    private IReminderTable Reminders => Backend.Reminders;

    [SkippableFact]
    public async Task ReadAsync_NoReminders_ReturnsEmpty()
    {
        Assert.Empty(await Reminders.ReadAsync(Grain()));
        Assert.Empty(await Reminders.ReadAllAsync());
    }

    [SkippableFact]
    public async Task UpsertAsync_New_ReadReturnsIt()
    {
        var saved = await Reminders.UpsertAsync(Grain(), "sync", Due, TimeSpan.FromMinutes(5));

        var entry = Assert.Single(await Reminders.ReadAsync(Grain()));
        Assert.Equal(saved, entry);
        Assert.Equal(new ReminderEntry(Grain(), "sync", Due, TimeSpan.FromMinutes(5), saved.ETag), entry);
        Assert.Equal(Due.Offset, entry.FirstDue.Offset);
        Assert.False(string.IsNullOrEmpty(saved.ETag));
    }

    [SkippableFact]
    public async Task UpsertAsync_Existing_ReplacesItWithNewETag()
    {
        var first = await Reminders.UpsertAsync(Grain(), "sync", Due, TimeSpan.FromMinutes(5));

        var second = await Reminders.UpsertAsync(Grain(), "sync", Due.AddHours(1), TimeSpan.FromSeconds(1));

        Assert.NotEqual(first.ETag, second.ETag);
        var entry = Assert.Single(await Reminders.ReadAsync(Grain()));
        Assert.Equal(second, entry);
    }

    [SkippableFact]
    public async Task RemoveAsync_Existing_ReturnsTrueAndRemovesOnlyIt()
    {
        await Reminders.UpsertAsync(Grain(), "a", Due, TimeSpan.FromMinutes(1));
        await Reminders.UpsertAsync(Grain(), "b", Due, TimeSpan.FromMinutes(1));

        Assert.True(await Reminders.RemoveAsync(Grain(), "a"));

        Assert.Equal(["b"], (await Reminders.ReadAsync(Grain())).Select(r => r.Name));
        Assert.False(await Reminders.RemoveAsync(Grain(), "a"));
    }

    [SkippableFact]
    public async Task RemoveAsync_Missing_ReturnsFalse()
    {
        Assert.False(await Reminders.RemoveAsync(Grain(), "never"));
    }

    [SkippableFact]
    public async Task ReadAsync_SeveralGrains_ReturnsOnlyThatGrains()
    {
        await Reminders.UpsertAsync(Grain("acme/a"), "x", Due, TimeSpan.FromMinutes(1));
        await Reminders.UpsertAsync(Grain("acme/b"), "y", Due, TimeSpan.FromMinutes(1));
        await Reminders.UpsertAsync(Grain("acme/a", "Other.IGrain"), "z", Due, TimeSpan.FromMinutes(1));

        Assert.Equal(["x"], (await Reminders.ReadAsync(Grain("acme/a"))).Select(r => r.Name));
        var all = await Reminders.ReadAllAsync();
        Assert.Equal(3, all.Count);
        Assert.Equal(["x", "y", "z"], all.Select(r => r.Name).Order());
    }

    [SkippableFact]
    public async Task UpsertAsync_BadArguments_ThrowClearErrors()
    {
        var shortPeriod = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(
            () => Reminders.UpsertAsync(Grain(), "fast", Due, TimeSpan.FromMilliseconds(999)));
        Assert.Contains("at least one second", shortPeriod.Message, StringComparison.Ordinal);
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Reminders.UpsertAsync(Grain(), "", Due, TimeSpan.FromMinutes(1)));
        Assert.Empty(await Reminders.ReadAllAsync());
    }

    [SkippableFact]
    public async Task ReopenAsync_RemindersSurviveARestart()
    {
        var saved = await Reminders.UpsertAsync(Grain(), "daily", Due, TimeSpan.FromDays(1));

        await ReopenAsync();

        Assert.Equal([saved], await Reminders.ReadAllAsync());
    }
}
