using System.Globalization;
using MailMesh.Runtime;

namespace MailMesh.Grains.Contacts;

/// <summary>The type of a contact attribute.</summary>
public enum AttributeType
{
    /// <summary>Text (at most <see cref="AttributeValue.MaxStringLength"/> characters).</summary>
    String = 0,

    /// <summary>A finite number.</summary>
    Number = 1,

    /// <summary>A point in time (a date alone means midnight UTC).</summary>
    Date = 2,

    /// <summary>True or false.</summary>
    Bool = 3,

    /// <summary>A set of strings (e.g. interests).</summary>
    List = 4,
}

/// <summary>One typed attribute value; exactly the member of <see cref="Type"/> is set.</summary>
/// <param name="Type">Its type.</param>
/// <param name="String">The text of a <see cref="AttributeType.String"/>.</param>
/// <param name="Number">The value of a <see cref="AttributeType.Number"/>.</param>
/// <param name="Date">The value of a <see cref="AttributeType.Date"/> (UTC).</param>
/// <param name="Bool">The value of a <see cref="AttributeType.Bool"/>.</param>
/// <param name="List">The items of a <see cref="AttributeType.List"/>, distinct, in the order given.</param>
[Immutable]
public sealed record AttributeValue(
    AttributeType Type, string? String = null, double? Number = null, DateTimeOffset? Date = null, bool? Bool = null, IReadOnlyList<string>? List = null)
{
    /// <summary>Longest string value (and list item).</summary>
    public const int MaxStringLength = 1000;

    /// <summary>Most items of a list value.</summary>
    public const int MaxListItems = 100;

    /// <summary>A string value.</summary>
    public static AttributeValue Of(string value) => new(AttributeType.String, String: value);

    /// <summary>A number value.</summary>
    public static AttributeValue Of(double value) => new(AttributeType.Number, Number: value);

    /// <summary>A date value.</summary>
    public static AttributeValue Of(DateTimeOffset value) => new(AttributeType.Date, Date: value.ToUniversalTime());

    /// <summary>A bool value.</summary>
    public static AttributeValue Of(bool value) => new(AttributeType.Bool, Bool: value);

    /// <summary>A list value.</summary>
    public static AttributeValue Of(IReadOnlyList<string> items) => new(AttributeType.List, List: items);

    /// <summary>The value as invariant text (lists joined by ';'), as exports and the read model show it.</summary>
    public string ToInvariantString() => Type switch
    {
        AttributeType.String => String ?? "",
        AttributeType.Number => Number?.ToString("R", CultureInfo.InvariantCulture) ?? "",
        AttributeType.Date => Date?.ToString("O", CultureInfo.InvariantCulture) ?? "",
        AttributeType.Bool => Bool == true ? "true" : "false",
        AttributeType.List => string.Join(';', List ?? []),
        _ => "",
    };

    /// <summary>Null when the value is well formed for its type, otherwise what is wrong with it.</summary>
    public string? Problem()
    {
        switch (Type)
        {
            case AttributeType.String:
                return String is null ? "a string value has no text"
                    : String.Length > MaxStringLength ? $"the text is {String.Length} characters long; at most {MaxStringLength} are allowed"
                    : HasControl(String) ? "the text has control characters" : null;
            case AttributeType.Number:
                return Number is not { } n ? "a number value has no number" : double.IsFinite(n) ? null : "the number is not finite";
            case AttributeType.Date:
                return Date is null ? "a date value has no date" : null;
            case AttributeType.Bool:
                return Bool is null ? "a bool value has no value" : null;
            case AttributeType.List:
                if (List is null)
                {
                    return "a list value has no items";
                }

                if (List.Count > MaxListItems)
                {
                    return $"the list has {List.Count} items; at most {MaxListItems} are allowed";
                }

                foreach (var item in List)
                {
                    if (string.IsNullOrWhiteSpace(item) || item.Length > MaxStringLength || HasControl(item) || item.Contains(';', StringComparison.Ordinal))
                    {
                        return $"the list item '{item}' is empty, too long or has ';' or control characters";
                    }
                }

                return null;
            default:
                return $"unknown type {(int)Type}";
        }
    }

    private static bool HasControl(string text)
    {
        foreach (var c in text)
        {
            if (char.IsControl(c) && c is not ('\t' or '\n' or '\r'))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>An attribute a tenant's contacts may have.</summary>
/// <param name="Name">Lower-case name: a letter, then letters, digits or '_' (at most 63).</param>
/// <param name="Type">Its type.</param>
/// <param name="Description">What it means (optional).</param>
/// <param name="BuiltIn">Whether it is one of the standard attributes every tenant has.</param>
[Immutable]
public sealed record AttributeDefinition(string Name, AttributeType Type, string? Description = null, bool BuiltIn = false);

/// <summary>A tenant's attribute schema: the standard attributes and the tenant's own.</summary>
/// <param name="Attributes">Every attribute, by name.</param>
/// <param name="Version">Grows with every change.</param>
[Immutable]
public sealed record AttributeSchema(IReadOnlyList<AttributeDefinition> Attributes, long Version)
{
    /// <summary>The attribute named <paramref name="name"/>, or null.</summary>
    public AttributeDefinition? Find(string name) => Attributes.FirstOrDefault(a => string.Equals(a.Name, name, StringComparison.Ordinal));
}
