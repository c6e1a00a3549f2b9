using MailMesh.Sieve.Parsing;
using MailMesh.Sieve.Tests.Support;

namespace MailMesh.Sieve.Tests.Parsing;

public sealed class SieveParserTests
{
    private static (IReadOnlyList<SieveCommandNode> Commands, List<SieveDiagnostic> Diagnostics) Parse(string source)
    {
        var diagnostics = new List<SieveDiagnostic>();
        return (SieveParser.Parse(source, diagnostics, "t"), diagnostics);
    }

    [Fact]
    public void Parse_NestedStructure_BuildsCommandsTestsAndBlocks()
    {
        var (commands, diagnostics) = Parse("if anyof (header :contains \"subject\" [\"a\", \"b\"], size :over 1K) { fileinto \"x\"; } else { keep; }");
        Assert.Empty(diagnostics);
        Assert.Equal(2, commands.Count);
        var test = Assert.Single(commands[0].Tests);
        Assert.Equal("anyof", test.Name);
        Assert.True(test.HasTestList);
        Assert.Equal(2, test.Tests.Count);
        var list = Assert.IsType<SieveStringListArgument>(test.Tests[0].Arguments[2]);
        Assert.True(list.IsList);
        Assert.Equal(["a", "b"], list.Items.Select(i => i.Value));
        Assert.Equal("fileinto", Assert.Single(commands[0].Block!).Name);
    }

    [Fact]
    public void Parse_MissingSemicolon_SaysWhatWasExpectedAndWhere()
    {
        var (_, diagnostics) = Parse("discard\n]");
        var error = Assert.Single(diagnostics);
        Assert.Equal(new SourcePosition(2, 1), error.Position);
        Assert.Contains("expected ';' or a block", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_SeveralBrokenCommands_ReportsEachError()
    {
        var (commands, diagnostics) = Parse("keep ]\nstop;\nfileinto [\"a\" \"b\"];\nif true { discard }\nkeep;");
        Assert.Equal(3, diagnostics.Count);
        Assert.Equal([1, 3, 4], diagnostics.Select(d => d.Position.Line));
        Assert.Equal("keep", commands[^1].Name);
    }

    [Fact]
    public void Parse_UnclosedBlock_ReportsOpeningPosition()
    {
        var (_, diagnostics) = Parse("if true {\n  keep;\n");
        Assert.Contains("opened at 1:9", Assert.Single(diagnostics).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_BadTestList_SaysCommaOrParenExpected()
    {
        var (_, diagnostics) = Parse("if anyof (true; false) { keep; }");
        Assert.Equal(new SourcePosition(1, 15), diagnostics[0].Position);
        Assert.Contains("expected ',' or ')'", diagnostics[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_DeepNesting_IsRefusedWithoutStackOverflow()
    {
        var source = string.Concat(Enumerable.Repeat("if true {", 10_000)) + string.Concat(Enumerable.Repeat("}", 10_000));
        var (_, diagnostics) = Parse(source);
        Assert.Contains(diagnostics, d => d.Message.Contains("nested too deeply", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_DeepTestNesting_IsRefusedWithoutStackOverflow()
    {
        var source = "if " + string.Concat(Enumerable.Repeat("not ", 100_000)) + "true { keep; }";
        var (_, diagnostics) = Parse(source);
        Assert.Contains(diagnostics, d => d.Message.Contains("nested too deeply", StringComparison.Ordinal));
    }

    [Fact]
    public void CompileOrThrow_SyntaxErrors_ThrowsParseExceptionListingAll()
    {
        var e = Assert.Throws<SieveParseException>(() => SieveTestHost.Compile("keep ]\nfileinto 12 12;\nbogus;"));
        Assert.True(e.Diagnostics.Count >= 2);
        Assert.StartsWith("test:1:6: error:", e.Message, StringComparison.Ordinal);
    }
}
