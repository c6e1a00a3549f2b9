using System.Collections.Concurrent;
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

    /// <summary>Most zone names remembered; the map starts over when full.</summary>
    private const int MaxRememberedZones = 1_000;

    private static readonly ConcurrentDictionary<string, DateTimeZone?> Zones = new(StringComparer.Ordinal);

    /// <summary>The IANA zone named <paramref name="name"/>, or null. Names are remembered: each recipient's render asks
    /// for its zone, and the time zone database's lookup takes a lock.</summary>
    public static DateTimeZone? FindZone(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return null;
        }

        if (Zones.TryGetValue(name, out var zone))
        {
            return zone;
        }

        zone = DateTimeZoneProviders.Tzdb.GetZoneOrNull(name.Trim());
        if (Zones.Count >= MaxRememberedZones)
        {
            Zones.Clear();
        }

        Zones[name] = zone;
        return zone;
    }

    /// <summary>The IANA zone named <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">It is not a known IANA time zone; the message names it.</exception>
    public static DateTimeZone Zone(string? name, string what) =>
        FindZone(name) ?? throw new ArgumentException($"{what} '{name}' is not a known IANA time zone (expected a name such as Europe/Paris or UTC).", what);
}
