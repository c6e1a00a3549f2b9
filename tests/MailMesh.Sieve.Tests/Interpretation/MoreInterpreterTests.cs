using MailMesh.Sieve.Interpretation;
using MailMesh.Sieve.Messages;
using MailMesh.Sieve.Tests.Support;

namespace MailMesh.Sieve.Tests.Interpretation;

public sealed class MoreInterpreterTests
{
    private static string Run(string script, string? message = null, SieveExecutionOptions? options = null, SieveEnvelope? envelope = null) =>
        SieveTestHost.Describe(SieveTestHost.Run(script, message, options, envelope));

    [Theory]
    [InlineData("<@relay.example.net,@mx.example.org:user+tag@example.org>", ":localpart", "user+tag")]
    [InlineData("user@example.org", ":domain", "example.org")]
    [InlineData("<MAILER-DAEMON>", ":all", "MAILER-DAEMON")]
    [InlineData("<>", ":all", "")]
    public void Envelope_SmtpPaths_AreParsedWithRoutesAndNullPath(string from, string part, string expected)
    {
        var result = Run($"require [\"envelope\", \"fileinto\"]; if envelope {part} :is \"from\" \"{expected}\" {{ fileinto \"yes\"; }}",
            envelope: new SieveEnvelope(from, "bob@example.com"));
        Assert.Equal("fileinto yes", result);
    }

    [Theory]
    [InlineData("user@")]
    [InlineData("<<user@example.org>")]
    [InlineData("<@bad..example:user@example.org>")]
    public void Envelope_InvalidPaths_MatchNothing(string from)
    {
        var result = Run("require [\"envelope\", \"fileinto\"]; if envelope :all :contains \"from\" \"\" { fileinto \"yes\"; }",
            envelope: new SieveEnvelope(from, "bob@example.com"));
        Assert.Equal("implicit-keep", result);
    }

    [Fact]
    public void Include_DepthLimit_IsARuntimeErrorWithImplicitKeep()
    {
        var resolver = new ChainResolver();
        var options = new SieveExecutionOptions { ScriptResolver = resolver, Limits = new SieveLimits { MaxIncludeDepth = 3 } };
        var result = SieveTestHost.Run("require \"include\"; include \"s0\";", options: options);
        Assert.Contains("nested too deeply: the limit is 3", result.Error!.Message, StringComparison.Ordinal);
        Assert.Equal("implicit-keep", SieveTestHost.Describe(result));
    }

    [Fact]
    public void Variables_GlobalNamespaceAndQuoteRegex_Work()
    {
        const string script = """
            require ["variables", "include", "regex", "fileinto"];
            set "global.box" "a.b";
            set :quoteregex "q" "${global.box}";
            if string :regex "xa.b" "${q}$" { fileinto "${global.box}"; }
            """;
        Assert.Equal("fileinto a.b", Run(script));
    }

    [Fact]
    public void HasFlag_WithVariables_ReadsTheVariableFlags()
    {
        const string script = """
            require ["imap4flags", "variables", "fileinto", "relational"];
            addflag "mine" ["$a", "$b $c"];
            removeflag "mine" "$B";
            if hasflag :count "eq" "mine" "2" { fileinto "two"; }
            if not hasflag "$a" { fileinto "internal-empty"; }
            """;
        Assert.Equal("fileinto two; fileinto internal-empty", Run(script));
    }

    [Fact]
    public void DeleteHeader_IndexFromEnd_DeletesOneOccurrence()
    {
        const string message = "X-Tag: one\r\nX-Tag: two\r\nX-Tag: three\r\nSubject: s\r\n\r\nbody\r\n";
        var result = SieveTestHost.Run("require \"editheader\"; deleteheader :index 1 :last \"x-tag\";", message);
        Assert.Equal(["one", "two"], result.EditedHeaders!.Where(h => h.Name == "X-Tag").Select(h => h.Value));
    }

    [Fact]
    public void EditHeader_ProtectedHeaders_AreLeftAlone()
    {
        const string message = "Received: from a by b; Tue, 1 Jul 2025 10:00:00 +0000\r\nSubject: s\r\n\r\nbody\r\n";
        var result = SieveTestHost.Run("require \"editheader\"; deleteheader \"received\"; addheader \"Received\" \"forged\";", message);
        Assert.Null(result.EditedHeaders);
        Assert.Equal(2, result.Log.Count(l => l.Contains("protected", StringComparison.Ordinal)));
    }

    [Fact]
    public void Size_AfterEditHeader_CountsTheEdits()
    {
        var message = TestMessage.Parse(SieveTestHost.SimpleMessage);
        var result = SieveTestHost.Run($"require [\"editheader\", \"fileinto\"]; addheader \"X-Big\" \"{new string('x', 100)}\"; if size :over {message.Size + 100} {{ fileinto \"bigger\"; }}");
        Assert.Equal("fileinto bigger", SieveTestHost.Describe(result));
    }

    [Fact]
    public void Execute_Cancelled_ThrowsOperationCanceled()
    {
        var script = SieveTestHost.Compile("if " + string.Join(" ", Enumerable.Repeat("anyof(false,", 30)) + "false" + new string(')', 30) + " { keep; }");
        using var cancellation = new CancellationTokenSource();
        cancellation.Cancel();
        var interpreter = new SieveInterpreter(new SieveExecutionOptions());
        var message = TestMessage.Parse(SieveTestHost.SimpleMessage);
        Assert.Throws<OperationCanceledException>(() =>
        {
            for (var i = 0; i < 100; i++)
            {
                interpreter.Execute(script, message, cancellationToken: cancellation.Token);
            }
        });
    }

    private sealed class ChainResolver : ISieveScriptResolver
    {
        public string? Resolve(string name, SieveScriptLocation location) =>
            $"require \"include\"; include \"s{int.Parse(name[1..], System.Globalization.CultureInfo.InvariantCulture) + 1}\";";
    }
}
