using System.Globalization;

namespace MailMesh.Grains.Contacts;

/// <summary>Names and text forms of attributes and lists, shared by the grains, the API and imports so that all of them
/// accept and refuse the same input with the same message.</summary>
public static class AttributeParsing
{
    /// <summary>Longest attribute or list name.</summary>
    public const int MaxNameLength = 63;

    private static readonly string[] DateFormats =
    [
        "yyyy-MM-dd", "yyyy-MM-ddTHH:mm", "yyyy-MM-ddTHH:mm:ss", "yyyy-MM-ddTHH:mm:ssK", "yyyy-MM-ddTHH:mm:ss.FFFFFFFK",
        "yyyy-MM-dd HH:mm", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm:ssK", "yyyy/MM/dd", "yyyyMMdd",
    ];

    /// <summary>Null when <paramref name="name"/> is a valid attribute name (a lower-case letter, then lower-case letters,
    /// digits or '_', at most 63), otherwise what is wrong.</summary>
    public static string? AttributeNameProblem(string? name) => NameProblem(name, "attribute", allowDash: false);

    /// <summary>Null when <paramref name="name"/> is a valid list name (a lower-case letter or digit, then lower-case
    /// letters, digits, '_' or '-', at most 63), otherwise what is wrong.</summary>
    public static string? ListNameProblem(string? name) => NameProblem(name, "list", allowDash: true);

    /// <summary>Parses the text form of a value of <paramref name="type"/>: numbers in invariant form (<c>12.5</c>), dates as
    /// ISO 8601 (<c>2024-03-01</c>, <c>2024-03-01T10:00:00Z</c>; no offset means UTC), bools as
    /// true/false/yes/no/1/0, lists as items separated by ';' or '|'.</summary>
    /// <returns>The value, or null with <paramref name="error"/> saying why the text does not fit.</returns>
    public static AttributeValue? TryParse(string text, AttributeType type, out string? error)
    {
        ArgumentNullException.ThrowIfNull(text);
        error = null;
        var trimmed = text.Trim();
        AttributeValue? value = null;
        switch (type)
        {
            case AttributeType.String:
                value = AttributeValue.Of(trimmed);
                break;
            case AttributeType.Number:
                if (double.TryParse(trimmed, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number))
                {
                    value = AttributeValue.Of(number);
                }
                else
                {
                    error = $"'{Shorten(trimmed)}' is not a number (use digits with '.' for decimals, e.g. 12.5)";
                }

                break;
            case AttributeType.Date:
                if (DateTimeOffset.TryParseExact(trimmed, DateFormats, CultureInfo.InvariantCulture,
                        DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var date))
                {
                    value = AttributeValue.Of(date);
                }
                else
                {
                    error = $"'{Shorten(trimmed)}' is not a date (use ISO 8601, e.g. 2024-03-01 or 2024-03-01T10:00:00Z)";
                }

                break;
            case AttributeType.Bool:
                switch (trimmed.ToLowerInvariant())
                {
                    case "true" or "yes" or "y" or "1":
                        value = AttributeValue.Of(true);
                        break;
                    case "false" or "no" or "n" or "0":
                        value = AttributeValue.Of(false);
                        break;
                    default:
                        error = $"'{Shorten(trimmed)}' is not a bool (use true/false, yes/no or 1/0)";
                        break;
                }

                break;
            case AttributeType.List:
                var items = trimmed.Split([';', '|'], StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
                value = AttributeValue.Of(items.Distinct(StringComparer.Ordinal).ToArray());
                break;
            default:
                error = $"unknown attribute type {(int)type}";
                break;
        }

        if (value is not null && value.Problem() is { } problem)
        {
            error = problem;
            return null;
        }

        return value;
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";

    private static string? NameProblem(string? name, string what, bool allowDash)
    {
        if (string.IsNullOrEmpty(name))
        {
            return $"the {what} name is empty";
        }

        if (name.Length > MaxNameLength)
        {
            return $"the {what} name '{Shorten(name)}' is {name.Length} characters long; at most {MaxNameLength} are allowed";
        }

        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            var ok = char.IsAsciiLetterLower(c) || (char.IsAsciiDigit(c) && (i > 0 || allowDash)) || (i > 0 && (c == '_' || (allowDash && c == '-')));
            if (!ok)
            {
                return $"the {what} name '{Shorten(name)}' has '{c}' at position {i}; use lower-case letters, digits{(allowDash ? ", '-'" : "")} and '_'"
                    + (allowDash ? "" : ", starting with a letter");
            }
        }

        return null;
    }
}
