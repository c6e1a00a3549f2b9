using System.Globalization;
using NodaTime;

namespace MailMesh.Campaigns.Templates;

/// <summary>The locale, time zone and missing-field collector of the render running on this thread. Handlebars
/// templates render synchronously on the caller's thread, so helpers and formatters find the recipient's settings here
/// without threading them through the shared (compiled, cached) template.</summary>
internal sealed class RenderScope : IDisposable
{
    [ThreadStatic]
    private static RenderScope? t_current;

    private readonly RenderScope? _outer;
    private readonly List<string> _missing = [];

    private RenderScope(CultureInfo culture, DateTimeZone zone)
    {
        Culture = culture;
        Zone = zone;
        _outer = t_current;
        t_current = this;
    }

    /// <summary>The scope of the render on this thread; invariant culture and UTC outside a render.</summary>
    public static RenderScope Current => t_current ?? Fallback;

    private static RenderScope Fallback { get; } = CreateDetached();

    /// <summary>Numbers and dates are formatted for this culture.</summary>
    public CultureInfo Culture { get; }

    /// <summary>Dates are shown in this zone.</summary>
    public DateTimeZone Zone { get; }

    /// <summary>Fields output while missing, in first-seen order.</summary>
    public IReadOnlyList<string> Missing => _missing;

    /// <summary>Starts a render scope on this thread; dispose it when the render ends.</summary>
    public static RenderScope Begin(CultureInfo culture, DateTimeZone zone) => new(culture, zone);

    /// <summary>Records that <paramref name="field"/> was output with no value.</summary>
    public void ReportMissing(string field)
    {
        if (this != Fallback && !_missing.Contains(field, StringComparer.Ordinal))
        {
            _missing.Add(field);
        }
    }

    /// <summary>The date in the scope's zone.</summary>
    public DateTime Local(DateTimeOffset value) => Instant.FromDateTimeOffset(value).InZone(Zone).ToDateTimeUnspecified();

    /// <inheritdoc />
    public void Dispose()
    {
        if (t_current == this)
        {
            t_current = _outer;
        }
    }

    private static RenderScope CreateDetached()
    {
        var outer = t_current;
        var scope = new RenderScope(CultureInfo.InvariantCulture, DateTimeZone.Utc);
        t_current = outer;
        return scope;
    }
}
