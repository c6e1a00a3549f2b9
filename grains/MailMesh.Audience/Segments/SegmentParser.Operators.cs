using MailMesh.Grains.Contacts;

namespace MailMesh.Audience.Segments;

public sealed partial class SegmentParser
{
    /// <summary>The operator part of a condition on <paramref name="field"/>; negative forms (<c>!=</c>, <c>not in</c>,
    /// <c>not contains</c>, …) are the negation of the positive one, so contacts without a value match them.</summary>
    private SegmentPredicate ParseOperator(SegmentField field, Token start)
    {
        var negated = false;
        if (Peek.Is("not"))
        {
            Next();
            negated = true;
        }

        var op = Peek;
        SegmentPredicate result;
        if (op.Kind == TokenKind.Operator && !negated)
        {
            Next();
            if (op.Text == "!=")
            {
                return new NotPredicate(Comparison(field, "=", op));
            }

            result = Comparison(field, op.Text, op);
        }
        else if (op.Is("in"))
        {
            Next();
            result = In(field, op);
        }
        else if (op.Is("contains"))
        {
            Next();
            result = Contains(field, op);
        }
        else if (op.Is("exists"))
        {
            Next();
            result = new ExistsPredicate(field);
        }
        else if (op.Is("is") && !negated)
        {
            Next();
            var not = Peek.Is("not");
            if (not)
            {
                Next();
            }

            ExpectWord("null", not ? "'null' (is not null)" : "'null' or 'not null' after 'is'");
            return not ? new ExistsPredicate(field) : new NotPredicate(new ExistsPredicate(field));
        }
        else if (op.Is("between"))
        {
            Next();
            result = Between(field, op);
        }
        else if (op.Is("within"))
        {
            Next();
            RequireKind(field, op, SegmentValueKind.Date);
            var duration = Next();
            if (duration.Kind != TokenKind.Duration)
            {
                _index--;
                throw Unexpected("a duration after 'within', such as 90d, 12h, 6w, 3mo or 1y");
            }

            var from = ((SegmentDuration)duration.Value!).Before(_now).ToUnixTimeMilliseconds();
            result = new AndPredicate([
                new ComparePredicate(field, CompareOp.Ge, (double)from), new ComparePredicate(field, CompareOp.Le, (double)_now.ToUnixTimeMilliseconds())]);
        }
        else if ((op.Is("before") || op.Is("after")) && !negated)
        {
            Next();
            RequireKind(field, op, SegmentValueKind.Date);
            var date = DateValue(field, op.Text);
            return op.Is("before")
                ? new ComparePredicate(field, CompareOp.Lt, (double)date.From)
                : new ComparePredicate(field, CompareOp.Ge, (double)date.To);
        }
        else if (!negated && EndsCondition())
        {
            if (field.Kind != SegmentValueKind.Bool)
            {
                throw Unexpected($"an operator after '{field.Name}' (= != < <= > >= in contains exists is between within before after); only a bool stands alone");
            }

            return new ComparePredicate(field, CompareOp.Eq, 1.0);
        }
        else
        {
            throw Unexpected(negated
                ? $"in, contains, exists, between or within after '{field.Name} not'"
                : $"an operator after '{start.Text}{(start.Text == field.Name ? "" : "…")}' (= != < <= > >= in contains exists is between within before after)");
        }

        return negated ? new NotPredicate(result) : result;
    }

    private SegmentPredicate Comparison(SegmentField field, string text, Token op)
    {
        if (field.Kind == SegmentValueKind.List)
        {
            throw new SegmentSyntaxException($"'{field.Name}' is a list; compare it with contains, contains any (…) or contains all (…)", op.Position, "contains", $"'{op.Text}'");
        }

        var compare = text switch
        {
            "<" => CompareOp.Lt,
            "<=" => CompareOp.Le,
            ">" => CompareOp.Gt,
            ">=" => CompareOp.Ge,
            _ => CompareOp.Eq,
        };
        if (field.Kind == SegmentValueKind.Bool && compare != CompareOp.Eq)
        {
            throw new SegmentSyntaxException($"'{field.Name}' is a bool; compare it with = or !=", op.Position, "= or !=", $"'{op.Text}'");
        }

        if (field.Kind == SegmentValueKind.Date)
        {
            return DateComparison(field, compare, DateValue(field, op.Text));
        }

        return new ComparePredicate(field, compare, Value(field, op.Text));
    }

    private static SegmentPredicate DateComparison(SegmentField field, CompareOp op, SegmentDate date) => op switch
    {
        CompareOp.Lt => new ComparePredicate(field, CompareOp.Lt, (double)date.From),
        CompareOp.Le => new ComparePredicate(field, CompareOp.Lt, (double)date.To),
        CompareOp.Gt => new ComparePredicate(field, CompareOp.Ge, (double)date.To),
        CompareOp.Ge => new ComparePredicate(field, CompareOp.Ge, (double)date.From),
        _ => new AndPredicate([new ComparePredicate(field, CompareOp.Ge, (double)date.From), new ComparePredicate(field, CompareOp.Lt, (double)date.To)]),
    };

    private SegmentPredicate In(SegmentField field, Token op)
    {
        if (field.Kind == SegmentValueKind.List)
        {
            throw new SegmentSyntaxException($"'{field.Name}' is a list; use contains any (…) to match any of several items", op.Position, "contains any", "'in'");
        }

        var values = new List<object>();
        var dates = new List<SegmentPredicate>();
        Expect(TokenKind.LeftParen, $"'(' to open the values of 'in', e.g. {field.Name} in (\"a\", \"b\")");
        do
        {
            if (values.Count + dates.Count >= MaxValues)
            {
                throw new SegmentSyntaxException($"'in' takes at most {MaxValues} values", Peek.Position);
            }

            if (field.Kind == SegmentValueKind.Date)
            {
                dates.Add(DateComparison(field, CompareOp.Eq, DateValue(field, "in")));
            }
            else
            {
                values.Add(Value(field, "in"));
            }
        }
        while (TryComma());

        Expect(TokenKind.RightParen, "',' or ')' after a value of 'in'");
        return field.Kind == SegmentValueKind.Date ? new OrPredicate(dates) : new InPredicate(field, values);
    }

    private SegmentPredicate Contains(SegmentField field, Token op)
    {
        if (field.Kind != SegmentValueKind.List)
        {
            throw new SegmentSyntaxException($"contains applies to lists; '{field.Name}' is a {Describe(field.Kind)} (use = or in)", op.Position, "= or in", "'contains'");
        }

        var any = Peek.Is("any");
        var all = Peek.Is("all");
        if (!any && !all)
        {
            return new ContainsPredicate(field, TextValue(field, "contains"));
        }

        Next();
        var items = new List<SegmentPredicate>();
        Expect(TokenKind.LeftParen, $"'(' after 'contains {(any ? "any" : "all")}'");
        do
        {
            if (items.Count >= MaxValues)
            {
                throw new SegmentSyntaxException($"'contains {(any ? "any" : "all")}' takes at most {MaxValues} values", Peek.Position);
            }

            items.Add(new ContainsPredicate(field, TextValue(field, "contains")));
        }
        while (TryComma());

        Expect(TokenKind.RightParen, "',' or ')' after an item");
        return any ? new OrPredicate(items) : new AndPredicate(items);
    }

    private SegmentPredicate Between(SegmentField field, Token op)
    {
        if (field.Kind is SegmentValueKind.List or SegmentValueKind.Bool)
        {
            throw new SegmentSyntaxException($"between applies to numbers, dates and text; '{field.Name}' is a {Describe(field.Kind)}", op.Position, "= or contains", "'between'");
        }

        if (field.Kind == SegmentValueKind.Date)
        {
            var low = DateValue(field, "between");
            ExpectWord("and", "'and' between the two bounds of 'between'");
            var high = DateValue(field, "between … and");
            return new AndPredicate([new ComparePredicate(field, CompareOp.Ge, (double)low.From), new ComparePredicate(field, CompareOp.Lt, (double)high.To)]);
        }

        var from = Value(field, "between");
        ExpectWord("and", "'and' between the two bounds of 'between'");
        var to = Value(field, "between … and");
        return new AndPredicate([new ComparePredicate(field, CompareOp.Ge, from), new ComparePredicate(field, CompareOp.Le, to)]);
    }

    private bool TryComma()
    {
        if (Peek.Kind != TokenKind.Comma)
        {
            return false;
        }

        Next();
        return true;
    }

    private void RequireKind(SegmentField field, Token op, SegmentValueKind kind)
    {
        if (field.Kind != kind)
        {
            throw new SegmentSyntaxException($"'{op.Text}' applies to dates; '{field.Name}' is a {Describe(field.Kind)}", op.Position, "an operator for " + Describe(field.Kind), $"'{op.Text}'");
        }
    }

    internal static string Describe(SegmentValueKind kind) => kind switch
    {
        SegmentValueKind.Text => "string",
        SegmentValueKind.Number => "number",
        SegmentValueKind.Date => "date",
        SegmentValueKind.Bool => "bool",
        _ => "list",
    };
}
