using System.Text;
using MailMesh.Audience.ReadModel;

namespace MailMesh.Audience.Segments;

/// <summary>The SQL dialects the compiler writes.</summary>
public enum SqlDialect
{
    /// <summary>SQLite (<c>$p0</c> parameters, <c>instr</c>).</summary>
    Sqlite,

    /// <summary>PostgreSQL (<c>@p0</c> parameters, <c>strpos</c>; text columns collate "C").</summary>
    PostgreSql,
}

/// <summary>A segment compiled to a SQL condition over <c>contact_search v</c> (and <c>contacts c</c> when
/// <see cref="UsesContacts"/>); every value is a parameter.</summary>
/// <param name="Where">The condition.</param>
/// <param name="Parameters">The parameters by name (without the prefix): strings and doubles.</param>
/// <param name="UsesContacts">Whether the condition reads <c>c.address</c> (join <c>contacts c ON c.id = v.id</c>).</param>
public sealed record SegmentQuery(string Where, IReadOnlyList<KeyValuePair<string, object>> Parameters, bool UsesContacts);

/// <summary>Compiles a bound segment to parameterized SQL. Column names come from <see cref="SegmentField.Column"/> (a
/// fixed set); every value, attribute name and list item goes in a parameter.</summary>
public sealed class SegmentSqlCompiler
{
    private readonly SqlDialect _dialect;
    private readonly string _overflowTable;
    private readonly StringBuilder _sql = new();
    private readonly List<KeyValuePair<string, object>> _parameters = [];
    private bool _usesContacts;

    private SegmentSqlCompiler(SqlDialect dialect, string overflowTable)
    {
        _dialect = dialect;
        _overflowTable = overflowTable;
    }

    /// <summary>The SQL condition of <paramref name="predicate"/> in <paramref name="dialect"/>; overflow attributes are read
    /// from <paramref name="overflowTable"/> (a name the read model gives, e.g. schema-qualified).</summary>
    public static SegmentQuery Compile(SegmentPredicate predicate, SqlDialect dialect, string overflowTable = "contact_overflow")
    {
        ArgumentNullException.ThrowIfNull(predicate);
        ArgumentException.ThrowIfNullOrEmpty(overflowTable);
        var compiler = new SegmentSqlCompiler(dialect, overflowTable);
        compiler.Write(predicate);
        return new SegmentQuery(compiler._sql.ToString(), compiler._parameters, compiler._usesContacts);
    }

    private void Write(SegmentPredicate predicate)
    {
        switch (predicate)
        {
            case AndPredicate and:
                Join(and.Items, " AND ");
                break;
            case OrPredicate or:
                Join(or.Items, " OR ");
                break;
            case NotPredicate not:
                _sql.Append("NOT (");
                Write(not.Inner);
                _sql.Append(')');
                break;
            case ConstantPredicate constant:
                _sql.Append(constant.Value ? "(1 = 1)" : "(1 = 0)");
                break;
            case ComparePredicate compare:
                Atom(compare.Field, column => $"{column} {Operator(compare.Op)} {Parameter(compare.Field, compare.Value)}");
                break;
            case InPredicate @in:
                Atom(@in.Field, column => $"{column} IN ({string.Join(", ", @in.Values.Select(v => Parameter(@in.Field, v)))})");
                break;
            case ContainsPredicate contains:
                var item = Parameter(contains.Field, contains.Item);
                Atom(contains.Field, column => _dialect == SqlDialect.Sqlite ? $"instr({column}, {item}) > 0" : $"strpos({column}, {item}) > 0");
                break;
            case ExistsPredicate exists:
                Atom(exists.Field, null);
                break;
            default:
                throw new ArgumentException($"unknown predicate {predicate.GetType().Name}", nameof(predicate));
        }
    }

    private void Join(IReadOnlyList<SegmentPredicate> items, string separator)
    {
        _sql.Append('(');
        for (var i = 0; i < items.Count; i++)
        {
            if (i > 0)
            {
                _sql.Append(separator);
            }

            Write(items[i]);
        }

        _sql.Append(')');
    }

    /// <summary>One condition on a field, false when the field has no value (two-valued logic, so NOT is exact);
    /// <paramref name="test"/> null tests only that a value exists.</summary>
    private void Atom(SegmentField field, Func<string, string>? test)
    {
        switch (field.Storage)
        {
            case SegmentStorage.Absent:
                _sql.Append("(1 = 0)");
                return;
            case SegmentStorage.Overflow:
                var name = Parameter(null, field.Name);
                _sql.Append($"EXISTS (SELECT 1 FROM {_overflowTable} o WHERE o.contact_id = v.id AND o.name = {name}");
                if (test is not null)
                {
                    _sql.Append(" AND ").Append(test(field.Column!));
                }

                _sql.Append(')');
                return;
            case SegmentStorage.Column:
                _usesContacts |= field.Column!.StartsWith("c.", StringComparison.Ordinal);
                _sql.Append(test is null ? "(1 = 1)" : $"({test(field.Column)})");
                return;
            default:
                _sql.Append(test is null ? $"({field.Column} IS NOT NULL)" : $"({field.Column} IS NOT NULL AND {test(field.Column!)})");
                return;
        }
    }

    private string Parameter(SegmentField? field, object value)
    {
        if (field is { Packed: true } && value is string text)
        {
            value = SlotColumns.Pack(text);
        }

        var name = "p" + _parameters.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        _parameters.Add(new(name, value));
        return (_dialect == SqlDialect.Sqlite ? "$" : "@") + name;
    }

    private static string Operator(CompareOp op) => op switch
    {
        CompareOp.Lt => "<",
        CompareOp.Le => "<=",
        CompareOp.Gt => ">",
        CompareOp.Ge => ">=",
        _ => "=",
    };
}
