using MailMesh.Audience.ReadModel;
using MailMesh.Grains.Contacts;

namespace MailMesh.Audience.Segments;

/// <summary>Evaluates a bound segment against one contact in memory, with the same meaning as the SQL the compiler
/// writes (text ordered by code point, dates to the millisecond, missing values false).</summary>
public static class SegmentEvaluator
{
    /// <summary>Whether <paramref name="contact"/> is in the segment.</summary>
    public static bool Matches(SegmentPredicate predicate, ContactInfo contact)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        ArgumentNullException.ThrowIfNull(contact);
        return predicate switch
        {
            AndPredicate and => and.Items.All(p => Matches(p, contact)),
            OrPredicate or => or.Items.Any(p => Matches(p, contact)),
            NotPredicate not => !Matches(not.Inner, contact),
            ConstantPredicate constant => constant.Value,
            ComparePredicate compare => ValueOf(compare.Field, contact) is { } value && Test(Compare(value, compare.Value), compare.Op),
            InPredicate @in => ValueOf(@in.Field, contact) is { } value && @in.Values.Any(v => Compare(value, v) == 0),
            ContainsPredicate contains => ValueOf(contains.Field, contact) is IReadOnlyList<string> items && items.Contains(contains.Item, StringComparer.Ordinal),
            ExistsPredicate exists => ValueOf(exists.Field, contact) is not null,
            _ => throw new ArgumentException($"unknown predicate {predicate.GetType().Name}", nameof(predicate)),
        };
    }

    /// <summary>The field's value as the read model stores it: string, double (dates in Unix milliseconds, bools 1/0), a
    /// list of strings (null when empty), or null.</summary>
    public static object? ValueOf(SegmentField field, ContactInfo contact)
    {
        ArgumentNullException.ThrowIfNull(field);
        ArgumentNullException.ThrowIfNull(contact);
        return field.Builtin switch
        {
            null => contact.Attributes.TryGetValue(field.Name, out var value) ? Attribute(value, field.Kind) : null,
            "address" => contact.Address,
            "domain" => contact.Address[(contact.Address.LastIndexOf('@') + 1)..],
            "status" => contact.Engagement.Status,
            "role_address" => contact.RoleAddress ? 1.0 : 0.0,
            "created_at" => (double)contact.CreatedAt.ToUnixTimeMilliseconds(),
            "updated_at" => (double)contact.UpdatedAt.ToUnixTimeMilliseconds(),
            "last_open_at" => contact.Engagement.LastOpenAt is { } open ? (double)open.ToUnixTimeMilliseconds() : null,
            "last_click_at" => contact.Engagement.LastClickAt is { } click ? (double)click.ToUnixTimeMilliseconds() : null,
            "opens" => (double)contact.Engagement.Opens,
            "clicks" => (double)contact.Engagement.Clicks,
            "score" => contact.Engagement.Score,
            "lists" => contact.Lists.Count == 0 ? null : contact.Lists,
            "suppressed" => contact.Mailable ? 0.0 : 1.0,
            "suppressions" => contact.Suppressions.Count == 0 ? null : contact.Suppressions.Select(s => s.Scope + ":" + SqliteContactReadModel.Reason(s.Reason)).ToArray(),
            _ => null,
        };
    }

    private static object? Attribute(AttributeValue value, SegmentValueKind kind)
    {
        // A value whose type differs from the schema's cannot be stored (the grain refuses it); treat it as missing.
        return (value.Type, kind) switch
        {
            (AttributeType.String, SegmentValueKind.Text) => value.String,
            (AttributeType.Number, SegmentValueKind.Number) => value.Number,
            (AttributeType.Date, SegmentValueKind.Date) => (double)value.Date!.Value.ToUnixTimeMilliseconds(),
            (AttributeType.Bool, SegmentValueKind.Bool) => value.Bool == true ? 1.0 : 0.0,
            (AttributeType.List, SegmentValueKind.List) => value.List is { Count: > 0 } items ? items : null,
            _ => null,
        };
    }

    private static int Compare(object value, object operand) => (value, operand) switch
    {
        (string a, string b) => CompareCodePoints(a, b),
        (double a, double b) => a.CompareTo(b),
        _ => throw new ArgumentException($"a {value.GetType().Name} value compared with a {operand.GetType().Name}"),
    };

    private static bool Test(int comparison, CompareOp op) => op switch
    {
        CompareOp.Lt => comparison < 0,
        CompareOp.Le => comparison <= 0,
        CompareOp.Gt => comparison > 0,
        CompareOp.Ge => comparison >= 0,
        _ => comparison == 0,
    };

    /// <summary>Orders as SQLite's BINARY and PostgreSQL's "C" collation order UTF-8 text: by code point.</summary>
    private static int CompareCodePoints(string a, string b)
    {
        var left = a.EnumerateRunes();
        var right = b.EnumerateRunes();
        while (true)
        {
            var hasLeft = left.MoveNext();
            var hasRight = right.MoveNext();
            if (!hasLeft || !hasRight)
            {
                return hasLeft ? 1 : hasRight ? -1 : 0;
            }

            var order = left.Current.Value.CompareTo(right.Current.Value);
            if (order != 0)
            {
                return order;
            }
        }
    }
}
