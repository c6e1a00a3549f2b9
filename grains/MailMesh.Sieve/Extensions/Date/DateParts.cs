using System.Globalization;

namespace MailMesh.Sieve.Extensions.Date;

/// <summary>The date-part values of RFC 5260 section 4.</summary>
internal static class DateParts
{
    public static readonly string[] Names = ["year", "month", "day", "date", "julian", "hour", "minute", "second", "time", "iso8601", "std11", "zone", "weekday"];

    private static readonly DateTime JulianEpoch = new(1858, 11, 17, 0, 0, 0, DateTimeKind.Unspecified);

    public static string Get(DateTimeOffset date, string part)
    {
        var c = CultureInfo.InvariantCulture;
        return part.ToLowerInvariant() switch
        {
            "year" => date.Year.ToString("D4", c),
            "month" => date.Month.ToString("D2", c),
            "day" => date.Day.ToString("D2", c),
            "date" => date.ToString("yyyy-MM-dd", c),
            "julian" => ((int)Math.Floor((date.DateTime.Date - JulianEpoch).TotalDays)).ToString(c),
            "hour" => date.Hour.ToString("D2", c),
            "minute" => date.Minute.ToString("D2", c),
            "second" => date.Second.ToString("D2", c),
            "time" => date.ToString("HH:mm:ss", c),
            "iso8601" => date.ToString("yyyy-MM-dd'T'HH:mm:ss", c) + Zone(date.Offset, colon: true),
            "std11" => date.ToString("ddd, d MMM yyyy HH:mm:ss ", c) + Zone(date.Offset, colon: false),
            "zone" => Zone(date.Offset, colon: false),
            "weekday" => ((int)date.DayOfWeek).ToString(c),
            _ => string.Empty,
        };
    }

    public static string Zone(TimeSpan offset, bool colon)
    {
        var sign = offset < TimeSpan.Zero ? '-' : '+';
        var abs = offset.Duration();
        return colon ? $"{sign}{abs.Hours:D2}:{abs.Minutes:D2}" : $"{sign}{abs.Hours:D2}{abs.Minutes:D2}";
    }
}
