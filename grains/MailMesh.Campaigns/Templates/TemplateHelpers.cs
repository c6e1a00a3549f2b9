using System.Collections;
using System.Collections.Concurrent;
using System.Globalization;
using HandlebarsDotNet;
using HandlebarsDotNet.IO;

namespace MailMesh.Campaigns.Templates;

/// <summary>The helpers templates may call, and the formatters that print values in the recipient's locale and zone:
/// <c>default</c>, comparisons (<c>eq ne gt gte lt lte</c>), logic (<c>and or not</c>), <c>contains</c>, <c>date</c>,
/// <c>number</c>, <c>currency</c>, <c>percent</c>, <c>upper</c>, <c>lower</c>, <c>join</c>. A helper never throws for a
/// recipient's data: a value it cannot read is printed as it is.</summary>
internal static class TemplateHelpers
{
    private static readonly ConcurrentDictionary<(string Culture, string Currency), NumberFormatInfo> CurrencyFormats = new();

    /// <summary>The helper names (for the syntax check).</summary>
    public static IReadOnlySet<string> Names { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "default", "eq", "ne", "gt", "gte", "lt", "lte", "and", "or", "not", "contains", "date", "number", "currency", "percent", "upper", "lower", "join",
    };

    /// <summary>Registers the helpers and formatters on <paramref name="handlebars"/>.</summary>
    public static void Register(IHandlebars handlebars)
    {
        handlebars.Configuration.FormatterProviders.Add(new LocaleFormatterProvider());
        handlebars.RegisterHelper("default", (in HelperOptions _, in Context _, in Arguments a) => IsMissing(Arg(a, 0)) ? Arg(a, 1) : Arg(a, 0));
        handlebars.RegisterHelper("eq", (in HelperOptions _, in Context _, in Arguments a) => Compare(Arg(a, 0), Arg(a, 1)) == 0);
        handlebars.RegisterHelper("ne", (in HelperOptions _, in Context _, in Arguments a) => Compare(Arg(a, 0), Arg(a, 1)) != 0);
        handlebars.RegisterHelper("gt", (in HelperOptions _, in Context _, in Arguments a) => Compare(Arg(a, 0), Arg(a, 1)) is > 0 and not int.MaxValue);
        handlebars.RegisterHelper("gte", (in HelperOptions _, in Context _, in Arguments a) => Compare(Arg(a, 0), Arg(a, 1)) is >= 0 and not int.MaxValue);
        handlebars.RegisterHelper("lt", (in HelperOptions _, in Context _, in Arguments a) => Compare(Arg(a, 0), Arg(a, 1)) < 0);
        handlebars.RegisterHelper("lte", (in HelperOptions _, in Context _, in Arguments a) => Compare(Arg(a, 0), Arg(a, 1)) <= 0);
        handlebars.RegisterHelper("and", (in HelperOptions _, in Context _, in Arguments a) => a.AsEnumerable().All(IsTruthy));
        handlebars.RegisterHelper("or", (in HelperOptions _, in Context _, in Arguments a) => a.AsEnumerable().Any(IsTruthy));
        handlebars.RegisterHelper("not", (in HelperOptions _, in Context _, in Arguments a) => !IsTruthy(Arg(a, 0)));
        handlebars.RegisterHelper("contains", (in HelperOptions _, in Context _, in Arguments a) => Contains(Arg(a, 0), Arg(a, 1)));
        handlebars.RegisterHelper("date", (in HelperOptions _, in Context _, in Arguments a) => FormatDate(Arg(a, 0), Arg(a, 1) as string));
        handlebars.RegisterHelper("number", (in HelperOptions _, in Context _, in Arguments a) => FormatNumber(Arg(a, 0), Arg(a, 1) as string));
        handlebars.RegisterHelper("currency", (in HelperOptions _, in Context _, in Arguments a) => FormatCurrency(Arg(a, 0), Arg(a, 1) as string));
        handlebars.RegisterHelper("percent", (in HelperOptions _, in Context _, in Arguments a) => FormatNumber(Arg(a, 0), "P0"));
        handlebars.RegisterHelper("upper", (in HelperOptions _, in Context _, in Arguments a) => Text(Arg(a, 0))?.ToUpper(RenderScope.Current.Culture));
        handlebars.RegisterHelper("lower", (in HelperOptions _, in Context _, in Arguments a) => Text(Arg(a, 0))?.ToLower(RenderScope.Current.Culture));
        handlebars.RegisterHelper("join", (in HelperOptions _, in Context _, in Arguments a) =>
            Arg(a, 0) is IEnumerable items and not string ? string.Join(Arg(a, 1) as string ?? ", ", items.Cast<object?>().Select(Text)) : Text(Arg(a, 0)));
    }

    /// <summary>Whether <paramref name="value"/> is absent (an unresolved field, null or empty text).</summary>
    public static bool IsMissing(object? value) => value is null or UndefinedBindingResult or "";

    private static object? Arg(in Arguments arguments, int index) => index < arguments.Length ? arguments[index] : null;

    /// <summary>The value as text, reporting a missing field.</summary>
    private static string? Text(object? value)
    {
        switch (value)
        {
            case UndefinedBindingResult undefined:
                RenderScope.Current.ReportMissing(undefined.Value);
                return null;
            case null:
                return null;
            case string s:
                return s;
            case double d:
                return d.ToString("#,0.##########", RenderScope.Current.Culture);
            case DateTimeOffset date:
                return RenderScope.Current.Local(date).ToString("d", RenderScope.Current.Culture);
            case IFormattable formattable:
                return formattable.ToString(null, RenderScope.Current.Culture);
            default:
                return value.ToString();
        }
    }

    private static bool IsTruthy(object? value) => value switch
    {
        null or UndefinedBindingResult => false,
        bool b => b,
        string s => s.Length > 0,
        double d => d != 0,
        int i => i != 0,
        ICollection c => c.Count > 0,
        _ => true,
    };

    /// <summary>Numbers compare as numbers, anything else as ordinal text; <see cref="int.MaxValue"/> when either is
    /// missing (so gt/gte/eq are false and ne is true).</summary>
    private static int Compare(object? left, object? right)
    {
        if (left is null or UndefinedBindingResult || right is null or UndefinedBindingResult)
        {
            return left is null or UndefinedBindingResult && right is null or UndefinedBindingResult ? 0 : int.MaxValue;
        }

        if (Number(left) is { } l && Number(right) is { } r && (left is not string || right is not string))
        {
            return l.CompareTo(r);
        }

        if (left is bool || right is bool)
        {
            return IsTruthy(left) == IsTruthy(right) ? 0 : int.MaxValue;
        }

        return string.CompareOrdinal(Invariant(left), Invariant(right)) switch { < 0 => -1, 0 => 0, _ => 1 };
    }

    private static bool Contains(object? collection, object? item) => collection switch
    {
        string s => item is string i && s.Contains(i, StringComparison.OrdinalIgnoreCase),
        IEnumerable items => items.Cast<object?>().Any(x => string.Equals(Invariant(x), Invariant(item), StringComparison.OrdinalIgnoreCase)),
        _ => false,
    };

    private static string? Invariant(object? value) => value switch
    {
        null or UndefinedBindingResult => null,
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };

    private static double? Number(object? value) => value switch
    {
        double d => d,
        int i => i,
        long l => l,
        decimal m => (double)m,
        float f => f,
        string s when double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) => parsed,
        _ => null,
    };

    private static string? FormatDate(object? value, string? format)
    {
        var scope = RenderScope.Current;
        DateTimeOffset? date = value switch
        {
            DateTimeOffset d => d,
            DateTime d => new DateTimeOffset(DateTime.SpecifyKind(d, DateTimeKind.Utc)),
            string s when DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed) => parsed,
            _ => null,
        };
        if (date is null)
        {
            return Text(value);
        }

        var pattern = format switch
        {
            null or "" or "short" => "d",
            "long" => "D",
            "full" => "F",
            "datetime" => "g",
            "time" => "t",
            "month" => "Y",
            _ => format,
        };
        try
        {
            return scope.Local(date.Value).ToString(pattern, scope.Culture);
        }
        catch (FormatException)
        {
            // A malformed custom pattern: show the date rather than fail the recipient's message.
            return scope.Local(date.Value).ToString("d", scope.Culture);
        }
    }

    private static string? FormatNumber(object? value, string? format)
    {
        if (Number(value) is not { } number)
        {
            return Text(value);
        }

        try
        {
            return number.ToString(string.IsNullOrEmpty(format) ? "#,0.##" : format, RenderScope.Current.Culture);
        }
        catch (FormatException)
        {
            return number.ToString("#,0.##", RenderScope.Current.Culture);
        }
    }

    private static string? FormatCurrency(object? value, string? currency)
    {
        if (Number(value) is not { } number)
        {
            return Text(value);
        }

        var culture = RenderScope.Current.Culture;
        if (string.IsNullOrEmpty(currency))
        {
            return number.ToString("C", culture);
        }

        var format = CurrencyFormats.GetOrAdd((culture.Name, currency.ToUpperInvariant()), key =>
        {
            var info = (NumberFormatInfo)CultureInfo.GetCultureInfo(key.Culture).NumberFormat.Clone();
            info.CurrencySymbol = CurrencySymbol(key.Currency);
            return info;
        });
        return number.ToString("C", format);
    }

    /// <summary>The usual symbol of an ISO 4217 code (the code itself when no culture uses it).</summary>
    private static string CurrencySymbol(string code)
    {
        foreach (var culture in CultureInfo.GetCultures(CultureTypes.SpecificCultures))
        {
            try
            {
                var region = new RegionInfo(culture.Name);
                if (string.Equals(region.ISOCurrencySymbol, code, StringComparison.Ordinal))
                {
                    return region.CurrencySymbol;
                }
            }
            catch (ArgumentException)
            {
                // A culture without a region: not a source of currency symbols.
                continue;
            }
        }

        return code;
    }

    private sealed class LocaleFormatterProvider : IFormatterProvider
    {
        private static readonly LocaleFormatter Formatter = new();

        public bool TryCreateFormatter(Type type, out IFormatter formatter)
        {
            formatter = Formatter;
            return type == typeof(UndefinedBindingResult) || type == typeof(double) || type == typeof(DateTimeOffset)
                || (type != typeof(string) && typeof(IEnumerable).IsAssignableFrom(type));
        }
    }

    private sealed class LocaleFormatter : IFormatter
    {
        public void Format<T>(T value, in EncodedTextWriter writer)
        {
            var text = value is IEnumerable items and not string ? string.Join(", ", items.Cast<object?>().Select(Text)) : Text(value);
            if (text is not null)
            {
                writer.Write(text);
            }
        }
    }
}
