using MailMesh.Sieve.Interpretation;
using MailMesh.Sieve.Tests.Support;

namespace MailMesh.Sieve.Tests.Interpretation;

public sealed class CoreInterpreterTests
{
    private static string Run(string script, string? message = null) => SieveTestHost.Describe(SieveTestHost.Run(script, message));

    [Fact]
    public void Execute_EmptyScript_ImplicitlyKeeps()
    {
        Assert.Equal("implicit-keep", Run(string.Empty));
    }

    [Fact]
    public void Execute_Discard_CancelsImplicitKeep()
    {
        Assert.Equal("discard", Run("discard;"));
    }

    [Fact]
    public void Execute_FileIntoAndKeep_ProducesBoth()
    {
        Assert.Equal("fileinto Work; keep", Run("require \"fileinto\"; fileinto \"Work\"; keep;"));
    }

    [Fact]
    public void Execute_DuplicateFileInto_IsMergedIntoOne()
    {
        Assert.Equal("fileinto A", Run("require \"fileinto\"; fileinto \"A\"; fileinto \"A\";"));
    }

    [Fact]
    public void Execute_Stop_EndsExecution()
    {
        Assert.Equal("implicit-keep", Run("stop; discard;"));
    }

    [Fact]
    public void Execute_IfElsifElse_TakesFirstMatchingBranch()
    {
        const string script = """
            require "fileinto";
            if header :contains "subject" "nothing" { fileinto "A"; }
            elsif header :contains "subject" "meeting" { fileinto "B"; }
            elsif true { fileinto "C"; }
            else { fileinto "D"; }
            """;
        Assert.Equal("fileinto B", Run(script));
    }

    [Theory]
    [InlineData("header :is \"subject\" \"Café meeting [urgent]\"", true)]
    [InlineData("header :is \"subject\" \"café MEETING [URGENT]\"", true)]
    [InlineData("header :is :comparator \"i;octet\" \"subject\" \"café MEETING [URGENT]\"", false)]
    [InlineData("header :contains \"subject\" \"MEETING\"", true)]
    [InlineData("header :matches \"subject\" \"caf? *[*]\"", true)]
    [InlineData("header :matches \"subject\" \"*\\\\[urgent\\\\]\"", true)]
    [InlineData("header :matches \"subject\" \"meeting*\"", false)]
    [InlineData("exists [\"from\", \"date\"]", true)]
    [InlineData("exists [\"from\", \"x-missing\"]", false)]
    [InlineData("size :over 100", true)]
    [InlineData("size :under 1K", true)]
    [InlineData("not size :under 1K", false)]
    [InlineData("allof (true, false)", false)]
    [InlineData("anyof (false, true)", true)]
    [InlineData("address :is \"from\" \"alice+news@example.org\"", true)]
    [InlineData("address :localpart \"from\" \"alice+news\"", true)]
    [InlineData("address :domain \"to\" \"example.net\"", true)]
    [InlineData("address :all :is \"to\" \"carol@example.net\"", true)]
    [InlineData("address :is \"cc\" \"erin@example.com\"", true)]
    [InlineData("header :contains \"x-missing\" \"\"", false)]
    public void Evaluate_CoreTests_MatchTheSampleMessage(string test, bool expected)
    {
        var result = Run($"require \"fileinto\"; if {test} {{ fileinto \"yes\"; }}");
        Assert.Equal(expected ? "fileinto yes" : "implicit-keep", result);
    }

    [Fact]
    public void Evaluate_UnicodeCaseMap_FoldsNonAsciiLetters()
    {
        const string script = "require [\"fileinto\", \"comparator-i;unicode-casemap\"]; if header :contains :comparator \"i;unicode-casemap\" \"subject\" \"CAFÉ\" { fileinto \"yes\"; }";
        Assert.Equal("fileinto yes", Run(script));
        Assert.Equal("implicit-keep", Run(script.Replace("unicode-casemap\" \"subject", "ascii-casemap\" \"subject", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData(":user", "alice")]
    [InlineData(":detail", "news")]
    public void Evaluate_Subaddress_SplitsLocalPart(string part, string expected)
    {
        var result = Run($"require [\"subaddress\", \"fileinto\"]; if address {part} \"from\" \"{expected}\" {{ fileinto \"yes\"; }}");
        Assert.Equal("fileinto yes", result);
    }

    [Fact]
    public void Evaluate_DetailWithoutSeparator_DoesNotMatchEmpty()
    {
        Assert.Equal("implicit-keep", Run("require [\"subaddress\", \"fileinto\"]; if address :detail \"to\" \"\" { fileinto \"yes\"; }"));
    }

    [Fact]
    public void Evaluate_Envelope_UsesTheDeliveryEnvelope()
    {
        var result = SieveTestHost.Run("require [\"envelope\", \"fileinto\"]; if envelope :domain \"to\" \"example.com\" { fileinto \"yes\"; }",
            envelope: new Messages.SieveEnvelope("x@example.org", "bob@EXAMPLE.com"));
        Assert.Equal("fileinto yes", SieveTestHost.Describe(result));
    }

    [Fact]
    public void Execute_Redirect_CancelsImplicitKeepUnlessCopy()
    {
        Assert.Equal("redirect a@example.org", Run("redirect \"a@example.org\";"));
        Assert.Equal("redirect a@example.org :copy; implicit-keep", Run("require \"copy\"; redirect :copy \"a@example.org\";"));
    }

    [Fact]
    public void Execute_TooManyRedirects_FailsWithImplicitKeep()
    {
        var script = string.Concat(Enumerable.Range(0, 5).Select(i => $"redirect \"u{i}@example.org\";"));
        var result = SieveTestHost.Run(script);
        Assert.False(result.Succeeded);
        Assert.Contains("number of redirect actions exceeds policy limit", result.Error!.Message, StringComparison.Ordinal);
        Assert.Equal("implicit-keep", SieveTestHost.Describe(result));
    }

    [Fact]
    public void Execute_TooManyActions_FailsClearly()
    {
        var script = "require \"fileinto\";" + string.Concat(Enumerable.Range(0, 40).Select(i => $"fileinto \"f{i}\";"));
        var result = SieveTestHost.Run(script);
        Assert.Contains("total number of actions exceeds policy limit (32 per message)", result.Error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Execute_StepLimit_StopsRunawayScripts()
    {
        var script = "if " + string.Join(" ", Enumerable.Repeat("anyof(false,", 30)) + "false" + new string(')', 30) + " { keep; }";
        var result = SieveTestHost.Run(script, options: new SieveExecutionOptions { Limits = new SieveLimits { MaxSteps = 20 } });
        Assert.Contains("evaluation steps", result.Error!.Message, StringComparison.Ordinal);
        Assert.True(result.ImplicitKeep);
    }

    [Fact]
    public void Execute_MailboxExistsAndCreate_UseTheCatalog()
    {
        var options = new SieveExecutionOptions { ExistingMailboxes = ["INBOX", "Lists"] };
        var result = SieveTestHost.Run("""
            require ["mailbox", "fileinto"];
            if mailboxexists "Lists" { fileinto :create "Lists/new"; }
            if mailboxexists ["Lists", "Nope"] { discard; }
            """, options: options);
        Assert.Equal("fileinto Lists/new :create", SieveTestHost.Describe(result));
    }
}
