using System.Buffers.Text;
using System.Globalization;

namespace MailMesh.Protocols.Imap.Internal;

/// <summary>IMAP date-time: <c>"dd-Mon-yyyy hh:mm:ss +zzzz"</c> (day may be space-padded).</summary>
internal static class ImapDate
{
    private static readonly string[] Months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

    public static bool TryParse(ReadOnlySpan<byte> text, out DateTimeOffset value)
    {
        value = default;
        text = text.TrimStart((byte)' ');
        var dash = text.IndexOf((byte)'-');
        if (dash is < 1 or > 2 || !Utf8Parser.TryParse(text[..dash], out int day, out _) || text.Length < dash + 1 + 3 + 1 + 4 + 1 + 8 + 1 + 5)
        {
            return false;
        }

        var month = 0;
        for (var i = 0; i < Months.Length; i++)
        {
            if (System.Text.Ascii.EqualsIgnoreCase(text.Slice(dash + 1, 3), Months[i]))
            {
                month = i + 1;
            }
        }

        var rest = text[(dash + 5)..];
        if (month == 0 || !Utf8Parser.TryParse(rest[..4], out int year, out _) ||
            !Utf8Parser.TryParse(rest.Slice(5, 2), out int hour, out _) ||
            !Utf8Parser.TryParse(rest.Slice(8, 2), out int minute, out _) ||
            !Utf8Parser.TryParse(rest.Slice(11, 2), out int second, out _) ||
            !Utf8Parser.TryParse(rest.Slice(15, 2), out int zoneHours, out _) ||
            !Utf8Parser.TryParse(rest.Slice(17, 2), out int zoneMinutes, out _))
        {
            return false;
        }

        var sign = rest[14] == (byte)'-' ? -1 : 1;
        try
        {
            value = new DateTimeOffset(year, month, day, hour, minute, second, new TimeSpan(sign * zoneHours, sign * zoneMinutes, 0));
            return true;
        }
        catch (ArgumentOutOfRangeException)
        {
            return false;
        }
    }

    public static string Format(DateTimeOffset value)
    {
        var offset = value.Offset;
        var sign = offset < TimeSpan.Zero ? '-' : '+';
        offset = offset.Duration();
        return string.Create(CultureInfo.InvariantCulture,
            $"{value.Day:00}-{Months[value.Month - 1]}-{value.Year:0000} {value.Hour:00}:{value.Minute:00}:{value.Second:00} {sign}{offset.Hours:00}{offset.Minutes:00}");
    }
}
