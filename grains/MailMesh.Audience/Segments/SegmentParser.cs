using MailMesh.Grains.Contacts;

namespace MailMesh.Audience.Segments;

/// <summary>Parses a segment expression and binds it to the tenant's fields in one pass (recursive descent): <c>or</c>
/// binds loosest, then <c>and</c>, then <c>not</c>; parentheses group. Every error names the position, what was expected
/// and what was found. Relative dates (<c>within 90d</c>, <c>30d ago</c>, <c>today</c>) are measured from
/// <c>now</c>, fixed for the whole expression.</summary>
public sealed partial class SegmentParser
{
    /// <summary>Most conditions in one expression.</summary>
    public const int MaxConditions = 200;

    /// <summary>Deepest nesting of parentheses and <c>not</c>.</summary>
    public const int MaxDepth = 40;

    /// <summary>Most values in one <c>in (…)</c> list.</summary>
    public const int MaxValues = 1000;

    private static readonly HashSet<string> Keywords = new(StringComparer.OrdinalIgnoreCase)
    {
        "and", "or", "not", "in", "list", "contains", "any", "all", "exists", "is", "null", "between", "within", "before", "after",
        "ago", "now", "today", "true", "false", "opened", "clicked", "suppressed", "unsubscribed", "bounced", "complained", "mailable",
        "from", "for",
    };

    private readonly List<Token> _tokens;
    private readonly SegmentFields _fields;
    private readonly DateTimeOffset _now;
    private int _index;
    private int _depth;
    private int _conditions;

    private SegmentParser(string text, SegmentFields fields, DateTimeOffset now)
    {
        _tokens = SegmentLexer.Tokenize(text);
        _fields = fields;
        _now = now;
    }

    /// <summary>The predicate of <paramref name="expression"/>.</summary>
    /// <exception cref="SegmentSyntaxException">It does not parse, or names an unknown field, or compares values of the
    /// wrong type.</exception>
    public static SegmentPredicate Parse(string expression, SegmentFields fields, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(expression);
        ArgumentNullException.ThrowIfNull(fields);
        var parser = new SegmentParser(expression, fields, now);
        if (parser.Peek.Kind == TokenKind.End)
        {
            throw new SegmentSyntaxException("the expression is empty", parser.Peek.Position, "a condition such as tier = \"gold\"", "the end of the expression");
        }

        var result = parser.ParseOr();
        if (parser.Peek.Kind != TokenKind.End)
        {
            throw parser.Unexpected(parser.Peek.Kind == TokenKind.RightParen ? "the end of the expression (this ')' has no '(')" : "'and', 'or' or the end of the expression");
        }

        return result;
    }

    private Token Peek => _tokens[_index];

    private Token Next() => _tokens[_index++];

    private SegmentPredicate ParseOr()
    {
        var items = new List<SegmentPredicate> { ParseAnd() };
        while (Peek.Is("or"))
        {
            Next();
            items.Add(ParseAnd());
        }

        return items.Count == 1 ? items[0] : new OrPredicate(items);
    }

    private SegmentPredicate ParseAnd()
    {
        var items = new List<SegmentPredicate> { ParseNot() };
        while (Peek.Is("and"))
        {
            Next();
            items.Add(ParseNot());
        }

        return items.Count == 1 ? items[0] : new AndPredicate(items);
    }

    private SegmentPredicate ParseNot()
    {
        if (++_depth > MaxDepth)
        {
            throw new SegmentSyntaxException($"the expression nests deeper than {MaxDepth} levels", Peek.Position);
        }

        try
        {
            if (Peek.Is("not"))
            {
                Next();
                return new NotPredicate(ParseNot());
            }

            if (Peek.Kind == TokenKind.LeftParen)
            {
                Next();
                var inner = ParseOr();
                Expect(TokenKind.RightParen, "')' to close the '('");
                return inner;
            }

            if (++_conditions > MaxConditions)
            {
                throw new SegmentSyntaxException($"the expression has more than {MaxConditions} conditions", Peek.Position);
            }

            return ParseCondition();
        }
        finally
        {
            _depth--;
        }
    }

    private SegmentPredicate ParseCondition()
    {
        var start = Peek;
        if (start.Kind != TokenKind.Word)
        {
            throw Unexpected("a condition: a field name, 'not', '(' or one of in list, opened, clicked, suppressed, unsubscribed, bounced, complained, mailable");
        }

        switch (start.Text.ToLowerInvariant())
        {
            case "in":
                Next();
                ExpectWord("list", "'list' (in list \"name\")");
                return Member(ListName());
            case "opened" or "clicked":
                Next();
                var field = SegmentFields.Builtins[start.Is("opened") ? "last_open_at" : "last_click_at"];
                return EndsCondition() ? new ExistsPredicate(field) : ParseOperator(field, start);
            case "suppressed":
                Next();
                return new ComparePredicate(SegmentFields.Suppressed, CompareOp.Eq, 1.0);
            case "bounced":
                Next();
                return Suppression("*", "hard_bounced");
            case "complained":
                Next();
                return Suppression("*", "complained");
            case "unsubscribed":
                Next();
                if (!Peek.Is("from"))
                {
                    return Suppression("*", "unsubscribed");
                }

                Next();
                return new OrPredicate([Suppression("*", "unsubscribed"), Suppression(ListName(), "unsubscribed")]);
            case "mailable":
                Next();
                var global = new NotPredicate(new ComparePredicate(SegmentFields.Suppressed, CompareOp.Eq, 1.0));
                if (!Peek.Is("for"))
                {
                    return global;
                }

                Next();
                var list = ListName();
                return new AndPredicate([Member(list), global, new NotPredicate(new OrPredicate(
                    new[] { "unsubscribed", "hard_bounced", "complained", "manual" }.Select(r => Suppression(list, r)).ToArray()))]);
            default:
                return ParseOperator(ParseField(), start);
        }
    }

    private SegmentField ParseField()
    {
        var first = Next();
        string? space = null;
        var name = first;
        if (Peek.Kind == TokenKind.Dot)
        {
            if (!first.Text.Equals("attr", StringComparison.Ordinal) && !first.Text.Equals("contact", StringComparison.Ordinal))
            {
                throw new SegmentSyntaxException($"'{first.Text}.' is not a field prefix; use attr.<name> for an attribute or contact.<name> for a contact field",
                    first.Position, "attr. or contact.", $"'{first.Text}.'");
            }

            Next();
            space = first.Text;
            name = Next();
            if (name.Kind != TokenKind.Word)
            {
                _index--;
                throw Unexpected($"a field name after '{space}.'");
            }
        }
        else if (Keywords.Contains(first.Text))
        {
            _index--;
            throw Unexpected($"a condition ('{first.Text}' is a keyword; write attr.{first.Text.ToLowerInvariant()} for an attribute of that name)");
        }

        if (_fields.Find(space, name.Text) is { } field)
        {
            return field;
        }

        var hint = _fields.Closest(name.Text) is { } closest ? $"; did you mean '{closest}'?" : "; define it in the attribute schema first";
        var what = space switch
        {
            "attr" => "attribute",
            "contact" => "contact field",
            _ => "attribute or contact field",
        };
        throw new SegmentSyntaxException($"'{name.Text}' is not an {what} of this tenant{hint}", name.Position, "a known attribute", $"'{name.Text}'");
    }

    private bool EndsCondition() => Peek.Kind is TokenKind.End or TokenKind.RightParen || Peek.Is("and") || Peek.Is("or");

    private SegmentPredicate Member(string list) => new ContainsPredicate(SegmentFields.Builtins["lists"], list);

    private static SegmentPredicate Suppression(string scope, string reason) => new ContainsPredicate(SegmentFields.Suppressions, scope + ":" + reason);

    private string ListName()
    {
        var token = Next();
        if (token.Kind != TokenKind.String)
        {
            _index--;
            throw Unexpected("a list name in quotes, e.g. \"newsletter\"");
        }

        var name = (string)token.Value!;
        if (AttributeParsing.ListNameProblem(name) is { } problem)
        {
            throw new SegmentSyntaxException(problem, token.Position, "a list name", token.Describe());
        }

        return name;
    }

    private void Expect(TokenKind kind, string expected)
    {
        if (Peek.Kind != kind)
        {
            throw Unexpected(expected);
        }

        Next();
    }

    private void ExpectWord(string word, string expected)
    {
        if (!Peek.Is(word))
        {
            throw Unexpected(expected);
        }

        Next();
    }

    private SegmentSyntaxException Unexpected(string expected) =>
        new($"expected {expected}, found {Peek.Describe()}", Peek.Position, expected, Peek.Describe());
}
