using MailMesh.Sieve.Tests.Support;

namespace MailMesh.Sieve.Tests.Interpretation;

/// <summary>The cached and vectorized paths give the same answers as the plain definitions.</summary>
public sealed class FastPathTests
{
    private static string Run(string script, string? message = null) => SieveTestHost.Describe(SieveTestHost.Run(script, message));

    [Theory]
    [InlineData("MEETING", true)]
    [InlineData("ing [URG", true)]
    [InlineData("cAFé", true)]
    [InlineData("CAFÉ", false)]
    [InlineData("Café", true)]
    [InlineData("meetings", false)]
    public void Contains_AsciiCaseMap_FoldsOnlyAsciiLetters(string key, bool expected)
    {
        var result = Run($"require \"fileinto\"; if header :contains \"subject\" \"{key}\" {{ fileinto \"yes\"; }}");
        Assert.Equal(expected ? "fileinto yes" : "implicit-keep", result);
    }

    [Fact]
    public void Contains_DotlessI_DoesNotMatchAsciiI()
    {
        // U+0131 upper-cases to 'I' under OrdinalIgnoreCase; i;ascii-casemap keeps it distinct.
        var message = "From: a@example.org\r\nSubject: L\u0131nk here, then link\r\n\r\nbody\r\n";
        Assert.Equal("implicit-keep", Run("require \"fileinto\"; if header :contains \"subject\" \"LINK HERE\" { fileinto \"yes\"; }", message));
        Assert.Equal("fileinto yes", Run("require \"fileinto\"; if header :contains \"subject\" \"then LINK\" { fileinto \"yes\"; }", message));
    }

    [Theory]
    [InlineData("*meeting*", "Café | [urgent]")]
    [InlineData("*MEETING [*]", "Café |urgent")]
    [InlineData("Caf?*ing*ent]", "é| meet| [urg")]
    public void Matches_LiteralMiddleSegments_CaptureLikeThePlainMatcher(string pattern, string captures)
    {
        var script = $"require [\"variables\", \"fileinto\"]; if header :matches \"subject\" \"{pattern}\" {{ fileinto \"${{1}}|${{2}}|${{3}}\"; }}";
        var parts = captures.Split('|');
        var expected = string.Join('|', parts.Concat(Enumerable.Repeat(string.Empty, 3 - parts.Length)));
        Assert.Equal("fileinto " + expected, Run(script));
    }

    [Fact]
    public void Matches_MissingMiddleSegment_DoesNotMatch()
    {
        Assert.Equal("implicit-keep", Run("require \"fileinto\"; if header :matches \"subject\" \"*lunch*\" { fileinto \"yes\"; }"));
    }

    [Fact]
    public void HeaderTest_AfterDeleteheader_SeesTheEditedHeader()
    {
        const string script = """
            require ["editheader", "fileinto"];
            if header :contains "subject" "meeting" { addheader "X-Seen" "1"; }
            deleteheader "subject";
            if exists "subject" { fileinto "still"; }
            if header :is "x-seen" "1" { fileinto "edited"; }
            """;
        Assert.Equal("fileinto edited", Run(script));
    }

    [Fact]
    public void AddressTest_SameFieldTwiceWithDifferentParts_GivesEachPart()
    {
        const string script = """
            require "fileinto";
            if address :domain :is "from" "example.org" { fileinto "domain"; }
            if address :localpart :is "from" "alice+news" { fileinto "local"; }
            if address :all :is "to" "carol@example.net" { fileinto "second"; }
            """;
        Assert.Equal("fileinto domain; fileinto local; fileinto second", Run(script));
    }

    [Fact]
    public void Header_QEncodedWordWithRawUtf8AndBase64WithoutPadding_Decode()
    {
        var message = "From: a@example.org\r\nSubject: =?utf-8?q?caf\u00e9_=C3=A9?= =?utf-8?b?w6k?=\r\n\r\nbody\r\n";
        Assert.Equal("fileinto yes", Run("require \"fileinto\"; if header :is \"subject\" \"caf\u00e9 \u00e9\u00e9\" { fileinto \"yes\"; }", message));
    }

    [Fact]
    public void Body_TwoTestsOnTheSameTransform_BothSeeTheText()
    {
        const string script = """
            require ["body", "fileinto"];
            if body :text :contains "MOVED" { fileinto "a"; }
            if body :text :contains "nothing like this" { fileinto "b"; }
            if body :text :contains "3PM" { fileinto "c"; }
            """;
        Assert.Equal("fileinto a; fileinto c", Run(script));
    }
}
