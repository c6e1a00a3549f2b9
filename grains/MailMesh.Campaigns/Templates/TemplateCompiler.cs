using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using HandlebarsDotNet;
using MailMesh.Grains.Campaigns;

namespace MailMesh.Campaigns.Templates;

/// <summary>Compiles templates (Handlebars: HTML-escaping for the HTML part, none for the subject and text part) and
/// caches the result by content (a SHA-256 of the parts), so a campaign compiles its template once however many
/// recipients it has; the same definition instance is found again without hashing. Thread-safe.</summary>
public sealed partial class TemplateCompiler
{
    /// <summary>Most compiled templates kept; the cache starts over when full.</summary>
    public const int MaxCached = 512;

    /// <summary>Longest subject template (characters).</summary>
    public const int MaxSubjectLength = 1000;

    /// <summary>Longest HTML or text template (characters).</summary>
    public const int MaxPartLength = 1_000_000;

    private readonly IHandlebars _html;
    private readonly IHandlebars _plain;
    private readonly IHandlebars _markedHtml;
    private readonly Lock _compileLock = new();
    private readonly ConcurrentDictionary<string, CompiledTemplate> _cache = new(StringComparer.Ordinal);
    private readonly ConditionalWeakTable<TemplateDefinition, CompiledTemplate> _byInstance = new();

    /// <summary>A compiler with its own Handlebars environments and cache.</summary>
    public TemplateCompiler()
    {
        _html = Handlebars.Create(new HandlebarsConfiguration { ThrowOnUnresolvedBindingExpression = false });
        _plain = Handlebars.Create(new HandlebarsConfiguration { NoEscape = true, ThrowOnUnresolvedBindingExpression = false });
        // The same HTML escaping, telling the writer where each escaped value lies, for the HTML pass planned per shape
        // (campaigns-19).
        _markedHtml = Handlebars.Create(new HandlebarsConfiguration
        {
            ThrowOnUnresolvedBindingExpression = false, TextEncoder = new MarkingEncoder(new HandlebarsConfiguration().TextEncoder ?? new HtmlEncoder()),
        });
        TemplateHelpers.Register(_html);
        TemplateHelpers.Register(_plain);
        TemplateHelpers.Register(_markedHtml);
    }

    /// <summary>How many compiled templates are cached.</summary>
    public int CachedCount => _cache.Count;

    /// <summary>The compiled <paramref name="template"/> (from the cache when the same content was compiled before).</summary>
    /// <exception cref="TemplateException">A part does not compile; every problem found is listed with part, line and
    /// column.</exception>
    /// <exception cref="ArgumentException">Both bodies are missing, a part is too long or the locale is unknown.</exception>
    public CompiledTemplate Compile(TemplateDefinition template)
    {
        ArgumentNullException.ThrowIfNull(template);
        if (_byInstance.TryGetValue(template, out var known))
        {
            return known;
        }

        var key = CacheKey(template);
        if (!_cache.TryGetValue(key, out var compiled))
        {
            compiled = CompileUncached(template);
            if (_cache.Count >= MaxCached)
            {
                _cache.Clear();
            }

            compiled = _cache.GetOrAdd(key, compiled);
        }

        // A definition is immutable: the same instance (a campaign's snapshot, passed for each recipient) skips hashing.
        _byInstance.AddOrUpdate(template, compiled);
        return compiled;
    }

    private CompiledTemplate CompileUncached(TemplateDefinition template)
    {
        if (template.Html is null && template.Text is null)
        {
            throw new ArgumentException("a template needs an HTML part, a text part or both.", nameof(template));
        }

        if (template.Subject is null || template.Subject.Length > MaxSubjectLength)
        {
            throw new ArgumentException($"the subject template is missing or longer than {MaxSubjectLength} characters.", nameof(template));
        }

        if (template.Html?.Length > MaxPartLength || template.Text?.Length > MaxPartLength)
        {
            throw new ArgumentException($"a body template is longer than {MaxPartLength} characters.", nameof(template));
        }

        var culture = TemplateLocales.Culture(template.Locale, "locale");
        var problems = new List<TemplateDiagnostic>();
        var subject = CompilePart("subject", template.Subject, _plain, problems);
        var html = template.Html is null ? null : CompilePart("html", template.Html, _html, problems);
        var text = template.Text is null ? null : CompilePart("text", template.Text, _plain, problems);
        if (problems.Count > 0)
        {
            throw new TemplateException(problems);
        }

        var markedHtml = html is null || template.Html is null ? null : CompileRecording(template.Html);
        var compiled = new CompiledTemplate(template, culture, subject!, html, text, markedHtml);
        compiled.CheckRuntime();
        return compiled;
    }

    private HandlebarsTemplate<object, object>? CompilePart(string part, string source, IHandlebars environment, List<TemplateDiagnostic> problems)
    {
        var found = TemplateSyntax.Check(part, source, TemplateHelpers.Names);
        if (found.Count > 0)
        {
            problems.AddRange(found);
            return null;
        }

        try
        {
            lock (_compileLock)
            {
                return environment.Compile(source);
            }
        }
        catch (HandlebarsException e)
        {
            problems.Add(Diagnostic(part, source, e.Message));
            return null;
        }
    }

    /// <summary>The HTML part compiled to write to a <see cref="ValueRecordingWriter"/> that learns where its escaped values
    /// lie (campaigns-19); null should it not compile so (the part is then rendered as a string and scanned whole).</summary>
    private HandlebarsTemplate<TextWriter, object, object>? CompileRecording(string source)
    {
        try
        {
            lock (_compileLock)
            {
                using var reader = new StringReader(source);
                return _markedHtml.Compile(reader);
            }
        }
        catch (HandlebarsException)
        {
            return null;
        }
    }

    /// <summary>A diagnostic from a Handlebars message, at the position it names ("Occured at: line:column", 0-based
    /// line) or at the start of the part.</summary>
    internal static TemplateDiagnostic Diagnostic(string part, string source, string message)
    {
        var match = PositionPattern().Match(message);
        var text = message[..(match.Success ? match.Index : message.Length)].Trim();
        if (!match.Success)
        {
            return new TemplateDiagnostic(part, 1, 1, text);
        }

        var line = int.Parse(match.Groups[1].ValueSpan, System.Globalization.CultureInfo.InvariantCulture) + 1;
        var column = int.Parse(match.Groups[2].ValueSpan, System.Globalization.CultureInfo.InvariantCulture) + 1;
        var lines = source.Split('\n');
        line = Math.Clamp(line, 1, lines.Length);
        column = Math.Clamp(column, 1, lines[line - 1].Length + 1);
        return new TemplateDiagnostic(part, line, column, text);
    }

    private static string CacheKey(TemplateDefinition template)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> length = stackalloc byte[4];
        foreach (var part in (ReadOnlySpan<string?>)[template.Subject, template.Html, template.Text, template.Locale])
        {
            // A length prefix (or -1 for null) keeps "ab"+"c" and "a"+"bc" apart.
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(length, part?.Length ?? -1);
            hash.AppendData(length);
            hash.AppendData(Encoding.UTF8.GetBytes(part ?? string.Empty));
        }

        return Convert.ToHexString(hash.GetHashAndReset());
    }

    [GeneratedRegex(@"Occured at:\s*(\d+):(\d+)", RegexOptions.CultureInvariant)]
    private static partial Regex PositionPattern();
}
