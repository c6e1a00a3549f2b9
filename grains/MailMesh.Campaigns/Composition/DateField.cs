using MailMesh.Mime.Headers;

namespace MailMesh.Campaigns.Composition;

/// <summary>The Date field's value (<see cref="DateParser.Format"/>), made once per second and offset on each thread:
/// a campaign's messages are composed many to a second, and the field shows whole seconds.</summary>
internal static class DateField
{
    [ThreadStatic]
    private static Formatted? t_last;

    /// <summary>The RFC 5322 form of <paramref name="date"/>.</summary>
    public static string Format(DateTimeOffset date)
    {
        var second = date.UtcTicks / TimeSpan.TicksPerSecond;
        if (t_last is { } last && last.Second == second && last.Offset == date.Offset)
        {
            return last.Value;
        }

        var value = DateParser.Format(date);
        t_last = new Formatted(second, date.Offset, value);
        return value;
    }

    private sealed record Formatted(long Second, TimeSpan Offset, string Value);
}
