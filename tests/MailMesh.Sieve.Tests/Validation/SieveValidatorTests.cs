using MailMesh.Sieve.Tests.Support;

namespace MailMesh.Sieve.Tests.Validation;

public sealed class SieveValidatorTests
{
    private static SieveDiagnostic SingleError(string source)
    {
        var compilation = SieveTestHost.TryCompile(source);
        Assert.False(compilation.Success);
        return Assert.Single(compilation.Errors);
    }

    [Fact]
    public void Compile_UnknownCommand_ReportsNameAndPosition()
    {
        var error = SingleError("keep;\n  frobnicate \"x\";");
        Assert.Equal(new SourcePosition(2, 3), error.Position);
        Assert.Equal("unknown command 'frobnicate'", error.Message);
    }

    [Fact]
    public void Compile_ExtensionCommandWithoutRequire_SaysWhichRequireIsMissing()
    {
        var error = SingleError("fileinto \"Junk\";");
        Assert.Contains("require \"fileinto\"", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compile_UnknownCapability_IsRefused()
    {
        var error = SingleError("require [\"fileinto\", \"x-unknown\"];");
        Assert.Equal(new SourcePosition(1, 22), error.Position);
        Assert.Contains("unknown Sieve capability 'x-unknown'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compile_RequireAfterCommand_IsRefused()
    {
        var error = SingleError("keep;\nrequire \"fileinto\";");
        Assert.Contains("must come before", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compile_UnknownTag_ReportsTagPosition()
    {
        var error = SingleError("if header :bogus \"subject\" \"x\" { keep; }");
        Assert.Equal(new SourcePosition(1, 11), error.Position);
        Assert.Contains("unknown tagged argument ':bogus' for the header test", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compile_ConflictingMatchTypes_AreRefused()
    {
        var error = SingleError("if header :is :contains \"subject\" \"x\" { keep; }");
        Assert.Contains("conflicts with ':is'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compile_WrongPositionalType_SaysWhatWasExpected()
    {
        var error = SingleError("if header :is 12 \"x\" { keep; }");
        Assert.Contains("expects a string list as positional argument 1 (header names), but a number was found", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compile_MissingArguments_SaysHowManyAreExpected()
    {
        var error = SingleError("redirect;");
        Assert.Contains("requires 1 positional argument(s) (address: string), but 0 were given", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compile_StringListWhereStringExpected_IsRefused()
    {
        var error = SingleError("redirect [\"a@example.org\", \"b@example.org\"];");
        Assert.Contains("expects a string as positional argument 1 (address), but a string list was found", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compile_ElseWithoutIf_IsRefused()
    {
        var error = SingleError("keep;\nelse { discard; }");
        Assert.Equal(new SourcePosition(2, 1), error.Position);
        Assert.Contains("must follow an 'if'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compile_IfWithoutBlock_IsRefused()
    {
        var error = SingleError("if true;");
        Assert.Contains("requires a block", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compile_TestUsedAsCommand_SaysSo()
    {
        var error = SingleError("header \"subject\" \"x\";");
        Assert.Contains("cannot use test 'header' as a command", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compile_NumericComparatorWithContains_IsRefused()
    {
        var error = SingleError("require \"comparator-i;ascii-numeric\";\nif header :contains :comparator \"i;ascii-numeric\" \"x\" \"1\" { keep; }");
        Assert.Contains("does not support substring matching", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compile_NumericComparatorWithoutRequire_IsRefused()
    {
        var error = SingleError("if header :is :comparator \"i;ascii-numeric\" \"x\" \"1\" { keep; }");
        Assert.Contains("comparator-i;ascii-numeric", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compile_InvalidRegex_ReportsPatternPosition()
    {
        var error = SingleError("require \"regex\";\nif header :regex \"subject\" \"([a-z\" { keep; }");
        Assert.Equal(new SourcePosition(2, 28), error.Position);
        Assert.Contains("invalid regular expression", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compile_BadRelation_IsRefused()
    {
        var error = SingleError("require \"relational\";\nif header :value \"xx\" \"subject\" \"1\" { keep; }");
        Assert.Contains("invalid relation 'xx'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compile_ScriptTooLarge_IsRefused()
    {
        var compilation = SieveTestHost.TryCompile("keep;" + new string(' ', 200), new SieveLimits { MaxScriptSize = 100 });
        Assert.Contains("more than the limit of 100 bytes", Assert.Single(compilation.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compile_InvalidRedirectAddress_IsRefused()
    {
        var error = SingleError("redirect \"not an address\";");
        Assert.Contains("is not a valid address", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compile_SeveralSemanticErrors_ReportsAllInOrder()
    {
        var compilation = SieveTestHost.TryCompile("bogus;\nif header :bogus \"a\" \"b\" { keep; }\nredirect;");
        Assert.Equal([1, 2, 3], compilation.Errors.Select(e => e.Position.Line));
    }

    [Fact]
    public void Compile_EncodedCharacter_DecodesHexAndUnicode()
    {
        var result = SieveTestHost.Run("require [\"encoded-character\", \"fileinto\"];\nfileinto \"${hex:49 4e}BOX.${unicode:263a}\";");
        Assert.Equal("fileinto INBOX.\u263a", SieveTestHost.Describe(result));
    }

    [Fact]
    public void Compile_EncodedCharacterOutOfRange_IsRefused()
    {
        var error = SingleError("require [\"encoded-character\", \"fileinto\"];\nfileinto \"${unicode:D800}\";");
        Assert.Contains("invalid Unicode code point", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compile_MalformedEncodedCharacter_IsLeftAsWritten()
    {
        var result = SieveTestHost.Run("require [\"encoded-character\", \"fileinto\"];\nfileinto \"${hex:zz}\";");
        Assert.Equal("fileinto ${hex:zz}", SieveTestHost.Describe(result));
    }

    [Fact]
    public void Compile_MailMeshPriorityUnknownLevel_IsRefused()
    {
        var error = SingleError("require \"vnd.mailmesh\";\npriority \"urgent\";");
        Assert.Contains("expected \"high\", \"normal\" or \"low\"", error.Message, StringComparison.Ordinal);
    }
}
