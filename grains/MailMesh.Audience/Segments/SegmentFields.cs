using MailMesh.Audience.ReadModel;
using MailMesh.Grains.Contacts;

namespace MailMesh.Audience.Segments;

/// <summary>Resolves the names of a segment expression: the tenant's attributes (typed by its schema, located by the
/// read model's typed-column map) and the fields every contact has. Column names come only from this class, never from
/// the expression.</summary>
public sealed class SegmentFields
{
    /// <summary>The contact fields, by name.</summary>
    public static IReadOnlyDictionary<string, SegmentField> Builtins { get; } = new Dictionary<string, SegmentField>(StringComparer.Ordinal)
    {
        ["address"] = new("address", SegmentValueKind.Text, SegmentStorage.Column, "c.address", false, "address"),
        ["domain"] = new("domain", SegmentValueKind.Text, SegmentStorage.Column, "v.domain", false, "domain"),
        ["status"] = new("status", SegmentValueKind.Text, SegmentStorage.NullableColumn, "v.status", false, "status"),
        ["role_address"] = new("role_address", SegmentValueKind.Bool, SegmentStorage.Column, "v.role_address", false, "role_address"),
        ["created_at"] = new("created_at", SegmentValueKind.Date, SegmentStorage.Column, "v.created_at", false, "created_at"),
        ["updated_at"] = new("updated_at", SegmentValueKind.Date, SegmentStorage.Column, "v.updated_at", false, "updated_at"),
        ["last_open_at"] = new("last_open_at", SegmentValueKind.Date, SegmentStorage.NullableColumn, "v.last_open_at", false, "last_open_at"),
        ["last_click_at"] = new("last_click_at", SegmentValueKind.Date, SegmentStorage.NullableColumn, "v.last_click_at", false, "last_click_at"),
        ["opens"] = new("opens", SegmentValueKind.Number, SegmentStorage.Column, "v.opens", false, "opens"),
        ["clicks"] = new("clicks", SegmentValueKind.Number, SegmentStorage.Column, "v.clicks", false, "clicks"),
        ["score"] = new("score", SegmentValueKind.Number, SegmentStorage.Column, "v.score", false, "score"),
        ["lists"] = new("lists", SegmentValueKind.List, SegmentStorage.NullableColumn, "v.lists", true, "lists"),
    };

    /// <summary>Whether the contact is suppressed for all mail (1) or not (0).</summary>
    internal static SegmentField Suppressed { get; } = new("suppressed", SegmentValueKind.Bool, SegmentStorage.Column, "v.suppressed", false, "suppressed");

    /// <summary>The contact's suppressions as <c>scope:reason</c> items.</summary>
    internal static SegmentField Suppressions { get; } = new("suppressions", SegmentValueKind.List, SegmentStorage.NullableColumn, "v.sup", true, "suppressions");

    private readonly AttributeSchema _schema;
    private readonly IReadOnlyDictionary<string, AttributeSlot> _slots;

    /// <summary>Resolves names against <paramref name="schema"/>, located by <paramref name="slots"/>.</summary>
    public SegmentFields(AttributeSchema schema, IReadOnlyDictionary<string, AttributeSlot> slots)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(slots);
        _schema = schema;
        _slots = slots;
    }

    /// <summary>The field <paramref name="name"/> (<paramref name="space"/> is <c>attr</c>, <c>contact</c> or null: an
    /// attribute first, then a contact field), or null.</summary>
    public SegmentField? Find(string? space, string name)
    {
        if (space != "contact" && _schema.Find(name) is { } definition)
        {
            return Attribute(definition);
        }

        return space != "attr" && Builtins.TryGetValue(name, out var builtin) ? builtin : null;
    }

    /// <summary>The known name closest to <paramref name="name"/>, for "did you mean" hints.</summary>
    public string? Closest(string name)
    {
        var best = (Name: (string?)null, Distance: int.MaxValue);
        foreach (var candidate in _schema.Attributes.Select(a => a.Name).Concat(Builtins.Keys))
        {
            var distance = Distance(name, candidate);
            if (distance < best.Distance)
            {
                best = (candidate, distance);
            }
        }

        return best.Distance <= Math.Max(2, name.Length / 3) ? best.Name : null;
    }

    private SegmentField Attribute(AttributeDefinition definition)
    {
        var kind = definition.Type switch
        {
            AttributeType.Number => SegmentValueKind.Number,
            AttributeType.Date => SegmentValueKind.Date,
            AttributeType.Bool => SegmentValueKind.Bool,
            AttributeType.List => SegmentValueKind.List,
            _ => SegmentValueKind.Text,
        };
        if (!_slots.TryGetValue(definition.Name, out var slot))
        {
            return new SegmentField(definition.Name, kind, SegmentStorage.Absent, null, true, null);
        }

        if (slot.IsText != kind is SegmentValueKind.Text or SegmentValueKind.List)
        {
            // Values of another kind were stored under this name before it was defined as it is now: none of them can match.
            return new SegmentField(definition.Name, kind, SegmentStorage.Absent, null, true, null);
        }

        return slot.Index is { } index
            ? new SegmentField(definition.Name, kind, SegmentStorage.NullableColumn, "v." + SlotColumns.Name(slot.IsText, index), true, null)
            : new SegmentField(definition.Name, kind, SegmentStorage.Overflow, slot.IsText ? "o.str" : "o.num", true, null);
    }

    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
