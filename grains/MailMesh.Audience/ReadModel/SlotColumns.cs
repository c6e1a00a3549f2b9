using MailMesh.Grains.Contacts;

namespace MailMesh.Audience.ReadModel;

/// <summary>Where one attribute of a tenant is stored in the read model: a typed column of <c>contact_search</c>
/// (<c>t0</c>…, text and lists; <c>n0</c>…, numbers, dates and bools) or, when the tenant has used them all,
/// <c>contact_overflow</c> rows.</summary>
/// <param name="Name">The attribute.</param>
/// <param name="IsText">Whether it is in a text column (strings and lists) or a number column.</param>
/// <param name="Index">The column number, or null for overflow rows.</param>
public sealed record AttributeSlot(string Name, bool IsText, int? Index);

/// <summary>The typed columns of <c>contact_search</c> and how values are written in them.</summary>
public static class SlotColumns
{
    /// <summary>Text columns (<c>t0</c>…<c>t39</c>).</summary>
    public const int TextCount = 40;

    /// <summary>Number columns (<c>n0</c>…<c>n23</c>).</summary>
    public const int NumberCount = 24;

    /// <summary>Wraps text values and list items: U+0001 sorts below every character a value may hold.</summary>
    public const char Separator = '\u0001';

    /// <summary>The column's name (from a fixed set).</summary>
    public static string Name(bool text, int index) => (text ? "t" : "n") + index.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A string as stored: wrapped in separators, so that it and a one-item list read alike and ordering is
    /// kept.</summary>
    public static string Pack(string value) => Separator + value + Separator;

    /// <summary>List items as stored (null when there are none).</summary>
    public static string? Pack(IReadOnlyCollection<string> items) =>
        items.Count == 0 ? null : Separator + string.Join(Separator, items) + Separator;

    /// <summary>A value as the typed columns hold it: text packed (see <see cref="Pack(string)"/>), numbers, dates in Unix
    /// milliseconds and bools as 1/0; an empty list is no value (both null).</summary>
    public static (string? Text, double? Number) Stored(AttributeValue value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value.Type switch
        {
            AttributeType.String => (Pack(value.String!), null),
            AttributeType.List => (Pack(value.List!), null),
            AttributeType.Number => (null, value.Number),
            AttributeType.Date => (null, value.Date!.Value.ToUnixTimeMilliseconds()),
            AttributeType.Bool => (null, value.Bool == true ? 1 : 0),
            _ => (null, null),
        };
    }

    /// <summary>The stored name of a suppression reason (<c>unsubscribed</c>, <c>hard_bounced</c>, <c>complained</c>,
    /// <c>manual</c>).</summary>
    public static string ReasonName(SuppressionReason reason) => reason switch
    {
        SuppressionReason.Unsubscribed => "unsubscribed",
        SuppressionReason.HardBounced => "hard_bounced",
        SuppressionReason.Complained => "complained",
        _ => "manual",
    };
}
