using System.Text;
using MailMesh.Sieve;
using MailMesh.Sieve.Interpretation;

namespace MailMesh.Rules.Tests;

public sealed class RuleEvaluatorTests
{
    private const string Message = "From: a@example.org\r\nTo: b@example.org\r\nSubject: hello\r\n\r\nbody\r\n";

    [Fact]
    public async Task EvaluateAsync_ScriptFailsAtRunTime_KeepsTheMessageAndSaysWhy()
    {
        var options = new SieveExecutionOptions { Limits = new SieveLimits { MaxActions = 1 } };
        var evaluator = new RuleEvaluator(options: options);
        var script = new SieveCompiler().CompileOrThrow("require \"fileinto\"; fileinto \"a\"; fileinto \"b\";");
        var evaluation = await evaluator.EvaluateAsync(script, Encoding.ASCII.GetBytes(Message));
        Assert.NotNull(evaluation.Error);
        Assert.Contains("too many actions", evaluation.Error, StringComparison.Ordinal);
        var keep = Assert.IsType<KeepAction>(Assert.Single(evaluation.Actions));
        Assert.True(keep.Implicit);
    }

    [Fact]
    public async Task EvaluateAsync_HeaderOnlyMessage_BodyTestsAreFalse()
    {
        var script = new SieveCompiler().CompileOrThrow("require [\"body\", \"fileinto\"]; if body :raw :contains \"\" { fileinto \"body\"; }");
        var evaluation = await new RuleEvaluator().EvaluateAsync(script, Encoding.ASCII.GetBytes("From: a@example.org\r\nSubject: no body\r\n"));
        Assert.Null(evaluation.Error);
        Assert.True(Assert.IsType<KeepAction>(Assert.Single(evaluation.Actions)).Implicit);
    }

    [Fact]
    public async Task EvaluateAsync_HeadersReadByName_SeeEveryOccurrenceAndHideTheSpamHeader()
    {
        const string raw = "Received: from a\r\nReceived: from b\r\nX-MailMesh-Spam-Score: 0.0 / 10.0\r\nSubject: s\r\n\r\nx\r\n";
        var script = new SieveCompiler().CompileOrThrow("""
            require ["fileinto", "relational", "comparator-i;ascii-numeric"];
            if header :count "eq" :comparator "i;ascii-numeric" "received" "2" { fileinto "two"; }
            if exists "x-mailmesh-spam-score" { fileinto "forged"; }
            """);
        var evaluation = await new RuleEvaluator().EvaluateAsync(script, Encoding.ASCII.GetBytes(raw));
        Assert.Equal("two", Assert.IsType<FileIntoAction>(Assert.Single(evaluation.Actions)).Mailbox);
    }
}
