using System.Globalization;
using HandlebarsDotNet;
using MailMesh.Grains.Campaigns;
using MailMesh.Grains.Contacts;
using NodaTime;

namespace MailMesh.Campaigns.Templates;

/// <summary>A template rendered for one recipient.</summary>
/// <param name="Subject">The subject (one line).</param>
/// <param name="Html">The HTML part, or null.</param>
/// <param name="Text">The text part (generated from the HTML when the template has none).</param>
/// <param name="MissingFields">Fields printed with no value (and no default), in first-seen order.</param>
public sealed record RenderedTemplate(string Subject, string? Html, string Text, IReadOnlyList<string> MissingFields)
{
    /// <summary>The HTML with the places of its escaped values, when asked for and the template allows it.</summary>
    internal MarkedHtml? Marked { get; init; }
}

/// <summary>A compiled template; thread-safe, render it for as many recipients as needed.</summary>
public sealed class CompiledTemplate
{
    private readonly HandlebarsTemplate<object, object> _subject;
    private readonly HandlebarsTemplate<object, object>? _html;
    private readonly HandlebarsTemplate<object, object>? _text;
    private readonly HandlebarsTemplate<TextWriter, object, object>? _markedHtml;

    internal CompiledTemplate(
        TemplateDefinition definition, CultureInfo culture, HandlebarsTemplate<object, object> subject, HandlebarsTemplate<object, object>? html,
        HandlebarsTemplate<object, object>? text, HandlebarsTemplate<TextWriter, object, object>? markedHtml = null)
    {
        _markedHtml = markedHtml;
        Definition = definition;
        Culture = culture;
        _subject = subject;
        _html = html;
        _text = text;
    }

    /// <summary>The template it was compiled from.</summary>
    public TemplateDefinition Definition { get; }

    /// <summary>The plans of the HTML pass for this template's shapes.</summary>
    internal HtmlScanner.HtmlPlans HtmlPlans { get; } = new();

    /// <summary>The template's locale (for recipients without a valid <c>locale</c> attribute).</summary>
    public CultureInfo Culture { get; }

    /// <summary>Renders for <paramref name="contact"/>: its <c>locale</c> and <c>time_zone</c> attributes choose the
    /// formats when they name a known locale and zone; otherwise the template's locale and <paramref name="timeZone"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="timeZone"/> is not a known IANA zone.</exception>
    public RenderedTemplate Render(ContactInfo? contact, string email, string unsubscribeUrl, string timeZone) =>
        Render(contact, email, unsubscribeUrl, timeZone, generateText: true);

    /// <summary>Renders for <paramref name="contact"/>; without <paramref name="generateText"/>, a template with no text
    /// part gives an empty <see cref="RenderedTemplate.Text"/> (for a caller that makes it from its own parse of the HTML).</summary>
    internal RenderedTemplate Render(ContactInfo? contact, string email, string unsubscribeUrl, string timeZone, bool generateText, bool markValues = false)
    {
        var zone = TemplateLocales.Zone(timeZone, "time zone");
        var culture = Culture;
        if (contact is not null)
        {
            if (contact.Attributes.TryGetValue(TemplateModel.LocaleAttribute, out var locale) && TemplateLocales.FindCulture(locale.String) is { } c)
            {
                culture = c;
            }

            if (contact.Attributes.TryGetValue(TemplateModel.TimeZoneAttribute, out var tz) && TemplateLocales.FindZone(tz.String) is { } z)
            {
                zone = z;
            }
        }

        return Render(TemplateModel.For(contact, email, unsubscribeUrl), culture, zone, generateText, markValues);
    }

    /// <summary>Renders with <paramref name="fields"/>, formatting for <paramref name="culture"/> in <paramref name="zone"/>.</summary>
    public RenderedTemplate Render(IReadOnlyDictionary<string, object?> fields, CultureInfo culture, DateTimeZone zone) =>
        Render(fields, culture, zone, generateText: true, markValues: false);

    private RenderedTemplate Render(IReadOnlyDictionary<string, object?> fields, CultureInfo culture, DateTimeZone zone, bool generateText, bool markValues)
    {
        ArgumentNullException.ThrowIfNull(fields);
        ArgumentNullException.ThrowIfNull(culture);
        ArgumentNullException.ThrowIfNull(zone);
        using var scope = RenderScope.Begin(culture, zone);
        var subject = OneLine(_subject(fields));
        MarkedHtml? marked = null;
        string? html;
        if (markValues && _markedHtml is not null)
        {
            var writer = ValueRecordingWriter.Rent();
            RecordingScope.Current = writer;
            try
            {
                _markedHtml(writer, fields, null!);
            }
            finally
            {
                RecordingScope.Current = null;
            }

            (html, marked) = writer.Finish();
        }
        else
        {
            html = _html?.Invoke(fields);
        }

        var text = _text is not null ? _text(fields) : generateText ? HtmlText.FromHtml(html ?? string.Empty) : string.Empty;
        return new RenderedTemplate(subject, html, text, scope.Missing.ToArray()) { Marked = marked };
    }

    /// <summary>Renders once with no fields so that a runtime-only failure (a helper that cannot be resolved) is a
    /// compile error rather than every recipient's failure.</summary>
    internal void CheckRuntime()
    {
        var problems = new List<TemplateDiagnostic>();
        using var scope = RenderScope.Begin(Culture, DateTimeZone.Utc);
        var empty = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (part, template, source) in new[] { ("subject", _subject, Definition.Subject), ("html", _html, Definition.Html), ("text", _text, Definition.Text) })
        {
            try
            {
                template?.Invoke(empty);
            }
            catch (HandlebarsException e)
            {
                problems.Add(TemplateCompiler.Diagnostic(part, source ?? string.Empty, e.Message));
            }
        }

        if (problems.Count > 0)
        {
            throw new TemplateException(problems);
        }
    }

    private static string OneLine(string subject) =>
        subject.Contains('\n', StringComparison.Ordinal) || subject.Contains('\r', StringComparison.Ordinal)
            ? string.Join(' ', subject.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            : subject.Trim();
}
