using System.Globalization;

namespace MailMesh.Mime.Headers;

/// <summary>
/// RFC 5322 date-time parsing that also accepts the common broken forms: missing weekday or seconds,
/// two- and three-digit years, asctime order, named and military zones, "+01:00", ISO 8601, comments.
/// </summary>
public static class DateParser
{
    private static readonly string[] Months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

    private static readonly Dictionary<string, int> Zones = new(StringComparer.OrdinalIgnoreCase)
    {
        ["UT"] = 0, ["UTC"] = 0, ["GMT"] = 0, ["Z"] = 0, ["WET"] = 0,
        ["EST"] = -500, ["EDT"] = -400, ["CST"] = -600, ["CDT"] = -500,
        ["MST"] = -700, ["MDT"] = -600, ["PST"] = -800, ["PDT"] = -700,
        ["AKST"] = -900, ["AKDT"] = -800, ["HST"] = -1000,
        ["BST"] = 100, ["CET"] = 100, ["MET"] = 100, ["MEZ"] = 100, ["CEST"] = 200, ["MEST"] = 200, ["MESZ"] = 200,
        ["EET"] = 200, ["EEST"] = 300, ["MSK"] = 300, ["IST"] = 530, ["SGT"] = 800, ["HKT"] = 800,
        ["JST"] = 900, ["KST"] = 900, ["AEST"] = 1000, ["AEDT"] = 1100, ["NZST"] = 1200, ["NZDT"] = 1300,
    };

    /// <summary>Parses a date field value; false when no plausible date is found.</summary>
    public static bool TryParse(string? value, out DateTimeOffset result)
    {
        result = default;
        if (string.IsNullOrWhiteSpace(value))
        {
            return false;
        }

        if (TryParseCanonical(value, out result) || TryParseTokens(value, out result))
        {
            return true;
        }

        return DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AllowWhiteSpaces, out result);
    }

    /// <summary>Parses a date field value, or null.</summary>
    public static DateTimeOffset? Parse(string? value) => TryParse(value, out var d) ? d : null;

    /// <summary>Formats a date as RFC 5322 ("Tue, 1 Jul 2025 10:00:00 +0200").</summary>
    public static string Format(DateTimeOffset date)
    {
        var offset = date.Offset;
        var sign = offset < TimeSpan.Zero ? '-' : '+';
        var abs = offset.Duration();
        return date.ToString("ddd, d MMM yyyy HH:mm:ss ", CultureInfo.InvariantCulture) + sign + abs.Hours.ToString("00", CultureInfo.InvariantCulture) + abs.Minutes.ToString("00", CultureInfo.InvariantCulture);
    }

    private static readonly string[] DayNames = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

    /// <summary>
    /// The form nearly all mail uses ("Mon, 1 Jan 2024 00:00:00 +0000", weekday, seconds and a trailing
    /// comment optional) without tokenizing; anything else (or an impossible date) is left to
    /// <see cref="TryParseTokens"/>, which gives the same result for what this accepts.
    /// </summary>
    private static bool TryParseCanonical(string value, out DateTimeOffset result) => TryParseCanonical(value.AsSpan(), out result);

    /// <summary>The canonical form from characters (the message accessor reads an ASCII field without making a string).</summary>
    internal static bool TryParseCanonical(ReadOnlySpan<char> value, out DateTimeOffset result)
    {
        result = default;
        var s = value.Trim(" \t\r\n");
        if (s.Length >= 5 && s[3] == ',' && IndexOfName(DayNames, s[..3]) >= 0)
        {
            s = s[4..].TrimStart(' ');
        }

        if (!TakeNumber(ref s, 1, 2, out var day) || !TakeBlank(ref s) || s.Length < 4 || s[3] != ' ')
        {
            return false;
        }

        var month = IndexOfName(Months, s[..3]) + 1;
        s = s[4..].TrimStart(' ');
        if (month == 0 || !TakeNumber(ref s, 4, 4, out var year) || !TakeBlank(ref s) ||
            !TakeNumber(ref s, 2, 2, out var hour) || !TakeChar(ref s, ':') || !TakeNumber(ref s, 2, 2, out var minute))
        {
            return false;
        }

        var second = 0;
        if (TakeChar(ref s, ':') && !TakeNumber(ref s, 2, 2, out second))
        {
            return false;
        }

        if (!TakeBlank(ref s) || s.Length < 5 || s[0] is not ('+' or '-'))
        {
            return false;
        }

        var sign = s[0] == '-' ? -1 : 1;
        s = s[1..];
        if (!TakeNumber(ref s, 4, 4, out var zone))
        {
            return false;
        }

        s = s.TrimStart(" \t");
        if (!s.IsEmpty && !(s[0] == '(' && s[^1] == ')' && s[1..].IndexOfAny('(', ')') == s.Length - 2))
        {
            return false;
        }

        if (year < 2 || year > 9998 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 60)
        {
            return false;
        }

        zone *= sign;
        var offsetMinutes = (zone / 100 * 60) + (zone % 100);
        if (Math.Abs(offsetMinutes) > 14 * 60)
        {
            offsetMinutes = 0;
        }

        result = new DateTimeOffset(year, month, day, hour, minute, Math.Min(second, 59), TimeSpan.FromMinutes(offsetMinutes));
        return true;
    }

    private static int IndexOfName(string[] names, ReadOnlySpan<char> s)
    {
        for (var i = 0; i < names.Length; i++)
        {
            if (s.Equals(names[i], StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return -1;
    }

    private static bool TakeNumber(ref ReadOnlySpan<char> s, int minDigits, int maxDigits, out int number)
    {
        number = 0;
        var n = 0;
        while (n < s.Length && n < maxDigits && char.IsAsciiDigit(s[n]))
        {
            number = (number * 10) + (s[n] - '0');
            n++;
        }

        if (n < minDigits || (n < s.Length && char.IsAsciiDigit(s[n])))
        {
            return false;
        }

        s = s[n..];
        return true;
    }

    private static bool TakeBlank(ref ReadOnlySpan<char> s)
    {
        if (s.IsEmpty || s[0] != ' ')
        {
            return false;
        }

        s = s.TrimStart(' ');
        return true;
    }

    private static bool TakeChar(ref ReadOnlySpan<char> s, char c)
    {
        if (s.IsEmpty || s[0] != c)
        {
            return false;
        }

        s = s[1..];
        return true;
    }

    private static bool TryParseTokens(string value, out DateTimeOffset result)
    {
        result = default;
        int? day = null, month = null, year = null, zone = null;
        int hour = -1, minute = 0, second = 0;
        var tokens = Tokenize(value);
        foreach (var raw in tokens)
        {
            var t = raw.TrimEnd('.');
            if (t.Length == 0)
            {
                continue;
            }

            if (t.Contains(':', StringComparison.Ordinal) && hour < 0 && char.IsAsciiDigit(t[0]))
            {
                var parts = t.Split(':');
                if (parts.Length is < 2 or > 3 || !int.TryParse(parts[0], out hour) || !int.TryParse(parts[1], out minute))
                {
                    return false;
                }

                if (parts.Length == 3)
                {
                    var sec = parts[2];
                    var dot = sec.IndexOf('.', StringComparison.Ordinal);
                    if (!int.TryParse(dot >= 0 ? sec[..dot] : sec, out second))
                    {
                        return false;
                    }
                }

                continue;
            }

            if ((t[0] == '+' || t[0] == '-') && t.Length >= 3 && int.TryParse(t.AsSpan(1).ToString().Replace(":", string.Empty, StringComparison.Ordinal), out var z))
            {
                var digits = t.Length - 1 - (t.Contains(':', StringComparison.Ordinal) ? 1 : 0);
                if (digits <= 2)
                {
                    z *= 100;
                }

                zone ??= t[0] == '-' ? -z : z;
                continue;
            }

            if (char.IsAsciiDigit(t[0]))
            {
                if (!int.TryParse(t, out var n))
                {
                    continue;
                }

                if (t.Length >= 3 || n > 31 || (day is not null && year is null))
                {
                    year ??= t.Length <= 2 ? (n < 50 ? 2000 + n : 1900 + n) : (t.Length == 3 ? 1900 + n : n);
                }
                else
                {
                    day ??= n;
                }

                continue;
            }

            if (char.IsAsciiLetter(t[0]))
            {
                if (t.Length >= 3)
                {
                    var m = Array.IndexOf(Months, t[..3].ToLowerInvariant());
                    if (m >= 0 && month is null)
                    {
                        month = m + 1;
                        continue;
                    }
                }

                if (Zones.TryGetValue(t, out var named))
                {
                    zone ??= named;
                }
            }
        }

        if (day is null || month is null || year is null || hour < 0)
        {
            return false;
        }

        if (year < 2 || year > 9998 || day < 1 || day > DateTime.DaysInMonth(year.Value, month.Value) || hour > 23 || minute is < 0 or > 59 || second is < 0 or > 60)
        {
            return false;
        }

        var offsetMinutes = zone is null ? 0 : (zone.Value / 100 * 60) + (zone.Value % 100);
        if (Math.Abs(offsetMinutes) > 14 * 60)
        {
            offsetMinutes = 0;
        }

        result = new DateTimeOffset(year.Value, month.Value, day.Value, hour, minute, Math.Min(second, 59), TimeSpan.FromMinutes(offsetMinutes));
        return true;
    }

    private static List<string> Tokenize(string value)
    {
        var tokens = new List<string>();
        var depth = 0;
        var start = -1;
        for (var i = 0; i <= value.Length; i++)
        {
            var c = i < value.Length ? value[i] : ' ';
            if (c == '(')
            {
                depth++;
            }

            var separator = depth > 0 || c is ' ' or '\t' or ',' or '\r' or '\n' or '(' or ')' || (c == '-' && start >= 0 && !value.AsSpan(start, i - start).Contains(':'));
            if (c == ')' && depth > 0)
            {
                depth--;
            }

            if (separator)
            {
                if (start >= 0)
                {
                    tokens.Add(value[start..i]);
                    start = -1;
                }

                // "12-Jan-2020": the dash separates, and "-0500" after a blank starts a new token.
                if (c == '-' && depth == 0)
                {
                    start = -1;
                }
            }
            else if (start < 0)
            {
                start = i;
            }
        }

        return tokens;
    }
}
