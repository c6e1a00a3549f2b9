using System.Globalization;

namespace MailMesh.Sieve.Internal;

/// <summary>A lenient RFC 5322 date-time parser (obsolete zone names, comments, two-digit years).</summary>
internal static class MessageDate
{
    private static readonly string[] Months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

    public static DateTimeOffset? Parse(string value)
    {
        var text = StripComments(value).Replace(',', ' ');
        var parts = text.Split([' ', '\t', '\r', '\n'], StringSplitOptions.RemoveEmptyEntries);
        var index = 0;
        if (parts.Length > 0 && parts[0].Length >= 3 && char.IsLetter(parts[0][0]))
        {
            index++;
        }

        if (parts.Length - index < 4)
        {
            return null;
        }

        if (!int.TryParse(parts[index], NumberStyles.None, CultureInfo.InvariantCulture, out var day) || day is < 1 or > 31)
        {
            return null;
        }

        var monthName = parts[index + 1].ToLowerInvariant();
        var month = Array.FindIndex(Months, m => monthName.StartsWith(m, StringComparison.Ordinal)) + 1;
        if (month == 0 || !int.TryParse(parts[index + 2], NumberStyles.None, CultureInfo.InvariantCulture, out var year))
        {
            return null;
        }

        year = year switch
        {
            < 50 when parts[index + 2].Length <= 2 => 2000 + year,
            < 1000 => 1900 + year,
            _ => year,
        };

        var time = parts[index + 3].Split(':');
        if (time.Length is < 2 or > 3
            || !int.TryParse(time[0], NumberStyles.None, CultureInfo.InvariantCulture, out var hour)
            || !int.TryParse(time[1], NumberStyles.None, CultureInfo.InvariantCulture, out var minute))
        {
            return null;
        }

        var second = 0;
        if (time.Length == 3 && !int.TryParse(time[2], NumberStyles.None, CultureInfo.InvariantCulture, out second))
        {
            return null;
        }

        var offset = parts.Length > index + 4 ? ParseZone(parts[index + 4]) : TimeSpan.Zero;
        if (offset is null || hour > 23 || minute > 59 || second > 60 || day > DateTime.DaysInMonth(Math.Clamp(year, 1, 9999), month))
        {
            return null;
        }

        try
        {
            return new DateTimeOffset(year, month, day, hour, minute, Math.Min(second, 59), offset.Value);
        }
        catch (ArgumentOutOfRangeException)
        {
            return null;
        }
    }

    public static TimeSpan? ParseZone(string zone)
    {
        if (zone.Length == 5 && zone[0] is '+' or '-' && int.TryParse(zone.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var hhmm))
        {
            var hours = hhmm / 100;
            var minutes = hhmm % 100;
            if (hours > 23 || minutes > 59)
            {
                return null;
            }

            var span = new TimeSpan(hours, minutes, 0);
            return zone[0] == '-' ? -span : span;
        }

        return zone.ToUpperInvariant() switch
        {
            "UT" or "GMT" or "Z" => TimeSpan.Zero,
            "EST" => TimeSpan.FromHours(-5),
            "EDT" => TimeSpan.FromHours(-4),
            "CST" => TimeSpan.FromHours(-6),
            "CDT" => TimeSpan.FromHours(-5),
            "MST" => TimeSpan.FromHours(-7),
            "MDT" => TimeSpan.FromHours(-6),
            "PST" => TimeSpan.FromHours(-8),
            "PDT" => TimeSpan.FromHours(-7),
            _ => zone.Length == 1 && char.IsLetter(zone[0]) ? TimeSpan.Zero : null,
        };
    }

    private static string StripComments(string value)
    {
        var builder = new System.Text.StringBuilder(value.Length);
        var depth = 0;
        foreach (var c in value)
        {
            if (c == '(')
            {
                depth++;
                continue;
            }

            if (c == ')' && depth > 0)
            {
                depth--;
                continue;
            }

            if (depth == 0)
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }
}
