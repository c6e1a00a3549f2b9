using MailMesh.Grains.Campaigns;
using NodaTime;

namespace MailMesh.Campaigns.Sending;

/// <summary>Answers when a recipient may be mailed: inside one of the campaign's send windows in the recipient's time
/// zone, and not before the recipient's spread offset after the window opened (so a window does not start with a spike).
/// Local times that do not exist (a spring-forward gap) map forward; ambiguous ones (fall-back) take the earlier instant.</summary>
public sealed class SendWindowCalendar
{
    private readonly IReadOnlyList<SendWindow> _windows;

    /// <summary>A calendar of <paramref name="windows"/> (empty: any time).</summary>
    public SendWindowCalendar(IReadOnlyList<SendWindow> windows)
    {
        ArgumentNullException.ThrowIfNull(windows);
        _windows = windows;
    }

    /// <summary>The earliest instant at or after <paramref name="now"/> at which a recipient in <paramref name="zone"/>
    /// whose spread offset is <paramref name="spread"/> may be mailed.</summary>
    public DateTimeOffset NextAllowed(DateTimeOffset now, DateTimeZone zone, TimeSpan spread)
    {
        ArgumentNullException.ThrowIfNull(zone);
        if (_windows.Count == 0)
        {
            return now;
        }

        var instant = Instant.FromDateTimeOffset(now);
        var today = instant.InZone(zone).Date;
        DateTimeOffset? best = null;

        // A window that opened yesterday may still be open; a week ahead covers every day of the week.
        for (var day = -1; day <= 7; day++)
        {
            var date = today.PlusDays(day);
            foreach (var window in _windows)
            {
                if (!window.Days.Contains(ToDayOfWeek(date.DayOfWeek)))
                {
                    continue;
                }

                var length = window.End.ToTimeSpan() - window.Start.ToTimeSpan();
                var offset = length > TimeSpan.Zero ? TimeSpan.FromTicks(spread.Ticks % length.Ticks) : TimeSpan.Zero;
                var start = zone.AtLeniently(date + LocalTime.FromTicksSinceMidnight(window.Start.Ticks)).ToInstant().ToDateTimeOffset() + offset;
                var end = zone.AtLeniently(date + LocalTime.FromTicksSinceMidnight(window.End.Ticks)).ToInstant().ToDateTimeOffset();
                if (end <= now || start >= end)
                {
                    continue;
                }

                var candidate = start > now ? start : now;
                if (best is null || candidate < best)
                {
                    best = candidate;
                }
            }

            if (best is not null && best <= now)
            {
                return now;
            }
        }

        return best ?? throw new InvalidOperationException("the send windows name no day of the week; a campaign must have at least one open window.");
    }

    private static DayOfWeek ToDayOfWeek(IsoDayOfWeek day) => day == IsoDayOfWeek.Sunday ? DayOfWeek.Sunday : (DayOfWeek)(int)day;
}
