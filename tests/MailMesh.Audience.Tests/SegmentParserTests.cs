using MailMesh.Audience.ReadModel;
using MailMesh.Audience.Segments;
using MailMesh.Grains.Contacts;

namespace MailMesh.Audience.Tests;

public sealed class SegmentParserTests
{
    private static readonly SegmentFields Fields = new(SegmentTestData.Schema, new Dictionary<string, AttributeSlot>
    {
        ["tier"] = new("tier", true, 0),
        ["interests"] = new("interests", true, 1),
        ["total_spent"] = new("total_spent", false, 0),
        ["vip"] = new("vip", false, 1),
    });

    private static SegmentSyntaxException Error(string expression) =>
        Assert.Throws<SegmentSyntaxException>(() => SegmentParser.Parse(expression, Fields, SegmentTestData.Now));

    [Theory]
    [InlineData("", 0, "a condition")]
    [InlineData("   ", 3, "a condition")]
    [InlineData("tier = ", 7, "a string in quotes")]
    [InlineData("tier = \"gold\" and", 17, "a condition")]
    [InlineData("tier = \"gold\" and or vip", 18, "a condition")]
    [InlineData("(tier = \"gold\"", 14, "')' to close")]
    [InlineData("tier = \"gold\")", 13, "has no '('")]
    [InlineData("tier = \"gold\" vip", 14, "'and', 'or'")]
    [InlineData("total_spent > \"abc\"", 14, "a number")]
    [InlineData("interests = \"golf\"", 10, "contains")]
    [InlineData("tier contains \"g\"", 5, "= or in")]
    [InlineData("birth_date within 90", 18, "a duration")]
    [InlineData("birth_date within 5m", 19, "h, d, w, mo or y")]
    [InlineData("tier = \"gold", 7, "a closing \"")]
    [InlineData("tier = \"gold\" # x", 14, "a name, a value")]
    [InlineData("birth_date > 2024-13-01", 13, "a date such as")]
    [InlineData("and = 1", 0, "keyword")]
    [InlineData("vip > true", 4, "= or !=")]
    [InlineData("tier", 4, "an operator after 'tier'")]
    [InlineData("tierr = \"gold\"", 0, "a known attribute")]
    [InlineData("tier in \"gold\"", 8, "'(' to open")]
    [InlineData("tier in (\"gold\" \"silver\")", 16, "',' or ')'")]
    [InlineData("tier between \"a\" or \"b\"", 17, "'and' between")]
    [InlineData("in \"newsletter\"", 3, "'list'")]
    [InlineData("in list newsletter", 8, "a list name in quotes")]
    [InlineData("in list \"News Letter\"", 8, "a list name")]
    [InlineData("birth_date > 30d", 16, "'ago'")]
    [InlineData("x.tier = \"gold\"", 0, "attr. or contact.")]
    [InlineData("tier = \"a\\qb\"", 9, "\\\\, \\\" or \\'")]
    [InlineData("tier not = \"gold\"", 9, "in, contains, exists")]
    [InlineData("tier is \"gold\"", 8, "'null' or 'not null'")]
    [InlineData("tier = \"a\u0001b\"", 9, "printable text")]
    public void Parse_InvalidExpression_ReportsPositionAndExpectation(string expression, int position, string expected)
    {
        var error = Error(expression);

        Assert.Equal(position, error.Position);
        Assert.Contains(expected, error.Expected ?? error.Detail, StringComparison.Ordinal);
        Assert.StartsWith($"segment expression, position {position}: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UnknownAttribute_SuggestsTheClosestName()
    {
        var error = Error("country = \"FR\" and teir = \"gold\"");

        Assert.Equal(19, error.Position);
        Assert.Contains("did you mean 'tier'?", error.Detail, StringComparison.Ordinal);
        Assert.Equal("'teir'", error.Found);
    }

    [Fact]
    public void Parse_FoundToken_IsDescribedInTheMessage()
    {
        var error = Error("total_spent > and");

        Assert.Equal("'and'", error.Found);
        Assert.Contains("found 'and'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_TooDeep_IsRefused()
    {
        var error = Error(new string('(', 60) + "vip" + new string(')', 60));

        Assert.Contains("deeper", error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_TooLong_IsRefused()
    {
        var error = Error("tier = \"" + new string('a', SegmentLexer.MaxLength) + "\"");

        Assert.Contains("characters long", error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_AndOrNot_BuildsTheTreeByPrecedence()
    {
        var predicate = SegmentParser.Parse("not vip or tier = \"gold\" and total_spent > 1", Fields, SegmentTestData.Now);

        var or = Assert.IsType<OrPredicate>(predicate);
        Assert.IsType<NotPredicate>(or.Items[0]);
        var and = Assert.IsType<AndPredicate>(or.Items[1]);
        Assert.Equal(2, and.Items.Count);
    }

    [Fact]
    public void Parse_DateDay_CoversTheWholeDay()
    {
        var predicate = SegmentParser.Parse("birth_date = 1985-06-15", Fields, SegmentTestData.Now);

        var and = Assert.IsType<AndPredicate>(predicate);
        var from = Assert.IsType<ComparePredicate>(and.Items[0]);
        var to = Assert.IsType<ComparePredicate>(and.Items[1]);
        Assert.Equal((CompareOp.Ge, (double)new DateTimeOffset(1985, 6, 15, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds()), (from.Op, from.Value));
        Assert.Equal((CompareOp.Lt, (double)new DateTimeOffset(1985, 6, 16, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds()), (to.Op, to.Value));
    }

    [Fact]
    public void Parse_Within_MeasuresFromNowByTheCalendar()
    {
        var predicate = SegmentParser.Parse("last_purchase_at within 3mo", Fields, SegmentTestData.Now);

        var and = Assert.IsType<AndPredicate>(predicate);
        Assert.Equal((double)SegmentTestData.Now.AddMonths(-3).ToUnixTimeMilliseconds(), Assert.IsType<ComparePredicate>(and.Items[0]).Value);
        Assert.Equal((double)SegmentTestData.Now.ToUnixTimeMilliseconds(), Assert.IsType<ComparePredicate>(and.Items[1]).Value);
    }

    [Fact]
    public void Compile_PostgreSqlDialect_UsesAtParametersAndStrpos()
    {
        var predicate = SegmentParser.Parse("interests contains \"golf\" and tier in (\"a\", \"b\")", Fields, SegmentTestData.Now);

        var sqlite = SegmentSqlCompiler.Compile(predicate, SqlDialect.Sqlite);
        var postgres = SegmentSqlCompiler.Compile(predicate, SqlDialect.PostgreSql);

        Assert.Equal("((v.t1 IS NOT NULL AND instr(v.t1, $p0) > 0) AND (v.t0 IS NOT NULL AND v.t0 IN ($p1, $p2)))", sqlite.Where);
        Assert.Equal("((v.t1 IS NOT NULL AND strpos(v.t1, @p0) > 0) AND (v.t0 IS NOT NULL AND v.t0 IN (@p1, @p2)))", postgres.Where);
        Assert.Equal(["\u0001golf\u0001", "\u0001a\u0001", "\u0001b\u0001"], postgres.Parameters.Select(p => p.Value));
    }
}
