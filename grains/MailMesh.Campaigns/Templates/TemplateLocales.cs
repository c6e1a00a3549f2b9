using System.Globalization;
using NodaTime;

namespace MailMesh.Campaigns.Templates;

/// <summary>Resolves locale and time zone names with errors that say what was wrong.</summary>
public static class TemplateLocales
{
    /// <summary>The culture named <paramref name="name"/> (a predefined one, e.g. <c>fr-FR</c>), or null.</summary>
    public static CultureInfo? FindCulture(string? name)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > 85)
        {
            return null;
        }

        try
        {
            var culture = CultureInfo.GetCultureInfo(name.Trim(), predefinedOnly: true);
            return culture.Equals(CultureInfo.InvariantCulture) ? null : culture;
        }
        catch (CultureNotFoundException)
        {
            return null;
        }
    }

    /// <summary>The culture named <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">It is not a known locale; the message names it.</exception>
    public static CultureInfo Culture(string? name, string what) =>
        FindCulture(name) ?? throw new ArgumentException($"{what} '{name}' is not a known locale (expected a name such as en-US or fr-FR).", what);

    /// <summary>The IANA zone named <paramref name="name"/>, or null.</summary>
    public static DateTimeZone? FindZone(string? name) =>
        string.IsNullOrWhiteSpace(name) ? null : DateTimeZoneProviders.Tzdb.GetZoneOrNull(name.Trim());

    /// <summary>The IANA zone named <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">It is not a known IANA time zone; the message names it.</exception>
    public static DateTimeZone Zone(string? name, string what) =>
        FindZone(name) ?? throw new ArgumentException($"{what} '{name}' is not a known IANA time zone (expected a name such as Europe/Paris or UTC).", what);
}
