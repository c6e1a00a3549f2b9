using System.Collections;
using System.Text.Json;
using MailMesh.Engagement.Classification;
using MailMesh.Engagement.Scoring;
using MailMesh.Grains.Contacts;

namespace MailMesh.Engagement.Tests.Scoring;

/// <summary>A turn works on <see cref="ContactEngagementState.Copy"/> and keeps it as the state: a field the copy left out
/// would be lost at the next write.</summary>
public sealed class StateCopyTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 24, 5, 0, 0, TimeSpan.Zero);

    /// <summary>Every property set to something other than its default (checked below, so a property added later fails the
    /// test until it is filled here too).</summary>
    private static ContactEngagementState Filled() => new()
    {
        Days = [new DayCount(20_416, 3, 2)],
        LastOpenAt = At,
        LastClickAt = At.AddMinutes(1),
        RawOpens = 7,
        RawClicks = 5,
        HumanOpens = 3,
        HumanClicks = 2,
        FirstSeenAt = At.AddDays(-3),
        RecentIds = [Guid.CreateVersion7(At), Guid.CreateVersion7(At.AddSeconds(1))],
        HandOvers = [41, 42],
        RecentClicks = [new RecentClick(Guid.CreateVersion7(At), At, 2, true, "burst")],
        Status = "active",
        Written = new ContactEngagement(At, At.AddMinutes(1), 3, 2, 4.5, "active"),
        DormantActionApplied = true,
    };

    [Fact]
    public void Filled_EveryProperty_IsSetToSomethingOtherThanItsDefault()
    {
        var state = Filled();
        var empty = new ContactEngagementState();
        foreach (var property in typeof(ContactEngagementState).GetProperties())
        {
            var value = property.GetValue(state);
            var unset = property.GetValue(empty);
            var isDefault = value is IList list ? list.Count == 0 : Equals(value, unset);
            Assert.False(isDefault, $"ContactEngagementState.{property.Name} is not filled in {nameof(Filled)}: set it there, so that the copy test covers it.");
        }
    }

    [Fact]
    public void Copy_FilledState_HasEveryPropertyOfTheOriginal()
    {
        var state = Filled();

        var copy = state.Copy();

        Assert.Equal(JsonSerializer.Serialize(state), JsonSerializer.Serialize(copy));
    }

    [Fact]
    public void Copy_ListsChangedOnTheCopy_LeaveTheOriginalAsItWas()
    {
        var state = Filled();
        var before = JsonSerializer.Serialize(state);

        var copy = state.Copy();
        copy.Days.Add(new DayCount(20_417, 1, 0));
        copy.RecentIds.Add(Guid.CreateVersion7(At.AddSeconds(2)));
        copy.HandOvers.Add(43);
        copy.RecentClicks.Clear();

        Assert.Equal(before, JsonSerializer.Serialize(state));
    }
}
