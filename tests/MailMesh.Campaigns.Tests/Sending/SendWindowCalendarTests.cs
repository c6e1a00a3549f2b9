using MailMesh.Campaigns.Sending;
using MailMesh.Campaigns.Templates;
using MailMesh.Grains.Campaigns;
using NodaTime;

namespace MailMesh.Campaigns.Tests.Sending;

public sealed class SendWindowCalendarTests
{
    private static readonly DayOfWeek[] Weekdays = [DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday];

    private static DateTimeZone Zone(string id) => TemplateLocales.FindZone(id)!;

    [Fact]
    public void NextAllowed_NoWindows_IsNow()
    {
        var now = new DateTimeOffset(2026, 3, 7, 3, 0, 0, TimeSpan.Zero);

        Assert.Equal(now, new SendWindowCalendar([]).NextAllowed(now, Zone("UTC"), TimeSpan.FromMinutes(30)));
    }

    [Fact]
    public void NextAllowed_InsideWindowInRecipientZone_IsNow()
    {
        var calendar = new SendWindowCalendar([new SendWindow(Weekdays, new TimeOnly(9, 0), new TimeOnly(17, 0))]);
        var now = new DateTimeOffset(2026, 3, 10, 14, 0, 0, TimeSpan.Zero); // Tuesday 10:00 in New York (EDT, UTC-4)

        Assert.Equal(now, calendar.NextAllowed(now, Zone("America/New_York"), TimeSpan.Zero));
    }

    [Fact]
    public void NextAllowed_BeforeWindowInRecipientZone_IsWindowStartInThatZone()
    {
        var calendar = new SendWindowCalendar([new SendWindow(Weekdays, new TimeOnly(9, 0), new TimeOnly(17, 0))]);
        var now = new DateTimeOffset(2026, 3, 10, 10, 0, 0, TimeSpan.Zero); // 11:00 in Paris, 06:00 in New York

        Assert.Equal(now, calendar.NextAllowed(now, Zone("Europe/Paris"), TimeSpan.Zero));
        Assert.Equal(new DateTimeOffset(2026, 3, 10, 13, 0, 0, TimeSpan.Zero), calendar.NextAllowed(now, Zone("America/New_York"), TimeSpan.Zero));
    }

    [Fact]
    public void NextAllowed_FridayEvening_IsMondayMorning()
    {
        var calendar = new SendWindowCalendar([new SendWindow(Weekdays, new TimeOnly(9, 0), new TimeOnly(17, 0))]);
        var now = new DateTimeOffset(2026, 3, 13, 18, 0, 0, TimeSpan.FromHours(1)); // Friday 18:00 in Paris

        Assert.Equal(new DateTimeOffset(2026, 3, 16, 9, 0, 0, TimeSpan.FromHours(1)), calendar.NextAllowed(now, Zone("Europe/Paris"), TimeSpan.Zero));
    }

    [Fact]
    public void NextAllowed_WindowStartInDstGap_MapsForward()
    {
        // Europe/Paris springs forward on 2026-03-29 at 02:00 → 03:00: a 02:30 start does not exist that day.
        var calendar = new SendWindowCalendar([new SendWindow([DayOfWeek.Sunday], new TimeOnly(2, 30), new TimeOnly(5, 0))]);
        var now = new DateTimeOffset(2026, 3, 28, 23, 0, 0, TimeSpan.Zero);

        var next = calendar.NextAllowed(now, Zone("Europe/Paris"), TimeSpan.Zero);

        Assert.Equal(new DateTimeOffset(2026, 3, 29, 3, 30, 0, TimeSpan.FromHours(2)), next);
    }

    [Fact]
    public void NextAllowed_AfterDstChange_KeepsLocalHours()
    {
        var calendar = new SendWindowCalendar([new SendWindow([DayOfWeek.Monday], new TimeOnly(9, 0), new TimeOnly(10, 0))]);

        var winter = calendar.NextAllowed(new DateTimeOffset(2026, 3, 22, 12, 0, 0, TimeSpan.Zero), Zone("Europe/Paris"), TimeSpan.Zero);
        var summer = calendar.NextAllowed(new DateTimeOffset(2026, 3, 29, 12, 0, 0, TimeSpan.Zero), Zone("Europe/Paris"), TimeSpan.Zero);

        Assert.Equal(new DateTimeOffset(2026, 3, 23, 8, 0, 0, TimeSpan.Zero), winter.ToUniversalTime());
        Assert.Equal(new DateTimeOffset(2026, 3, 30, 7, 0, 0, TimeSpan.Zero), summer.ToUniversalTime());
    }

    [Fact]
    public void NextAllowed_Spread_DelaysRecipientFromWindowStartButNotPastItsEnd()
    {
        var calendar = new SendWindowCalendar([new SendWindow(Weekdays, new TimeOnly(9, 0), new TimeOnly(10, 0))]);
        var before = new DateTimeOffset(2026, 3, 10, 8, 0, 0, TimeSpan.Zero);

        Assert.Equal(new DateTimeOffset(2026, 3, 10, 9, 25, 0, TimeSpan.Zero), calendar.NextAllowed(before, Zone("UTC"), TimeSpan.FromMinutes(25)));
        Assert.Equal(new DateTimeOffset(2026, 3, 10, 9, 10, 0, TimeSpan.Zero), calendar.NextAllowed(before, Zone("UTC"), TimeSpan.FromMinutes(70)));
        Assert.Equal(new DateTimeOffset(2026, 3, 10, 9, 40, 0, TimeSpan.Zero),
            calendar.NextAllowed(new DateTimeOffset(2026, 3, 10, 9, 20, 0, TimeSpan.Zero), Zone("UTC"), TimeSpan.FromMinutes(40)));
    }

    [Fact]
    public void Offset_ManyRecipients_SpreadEvenlyOverTheMinutes()
    {
        var buckets = new int[6];
        for (var i = 0; i < 6000; i++)
        {
            var offset = SendSpread.Offset(SendId.For("acme", "c1", $"user{i}@example.com"), 60);
            Assert.InRange(offset, TimeSpan.Zero, TimeSpan.FromMinutes(60) - TimeSpan.FromSeconds(1));
            buckets[(int)(offset.TotalMinutes / 10)]++;
        }

        Assert.All(buckets, count => Assert.InRange(count, 850, 1150));
        Assert.Equal(TimeSpan.Zero, SendSpread.Offset(SendId.For("acme", "c1", "a@example.com"), 0));
    }
}
