using System.Text;
using System.Text.Json;
using MailMesh.Grains.Rules;
using MailMesh.Testing;

namespace MailMesh.Mailboxes.Tests.Rules;

/// <summary>The rules grain without a mail server: versions, validation, decisions, dry runs.</summary>
public sealed class RulesGrainTests
{
    private const string Script = """
        require ["fileinto", "vacation", "vnd.mailmesh"];
        if header :contains "subject" "invoice" {
            fileinto "Finance";
            tag "billing";
        }
        vacation :days 3 "I am away.";
        """;

    private static byte[] Message(string subject, string from = "customer@example.org") => Encoding.ASCII.GetBytes(
        $"Return-Path: <{from}>\r\nFrom: {from}\r\nTo: team@example.test\r\nSubject: {subject}\r\nMessage-ID: <{Guid.NewGuid():N}@example.org>\r\n\r\nHello\r\n");

    [Fact]
    public async Task Upload_SyntaxError_RefusedWithLineAndColumn()
    {
        await using var silo = await RulesSilo.StartAsync();
        var rules = silo.Rules("acme/bad-script");

        var error = await Assert.ThrowsAsync<RuleScriptInvalidException>(() =>
            rules.Upload(new UploadRuleScript("require \"fileinto\";\nif header :contains \"subject\" \"x\" {\n  fileinto \"A\"\n}\n", true)));

        var first = error.Diagnostics.First(d => d.Severity == "error");
        Assert.Equal(4, first.Line);
        Assert.Equal(1, first.Column);
        Assert.Contains("line 4", error.Message, StringComparison.Ordinal);
        Assert.Empty(await rules.List());
    }

    [Fact]
    public async Task Upload_UnknownExtension_RefusedNamingIt()
    {
        await using var silo = await RulesSilo.StartAsync();
        var error = await Assert.ThrowsAsync<RuleScriptInvalidException>(() =>
            silo.Rules("acme/unknown-ext").Upload(new UploadRuleScript("require \"x-unknown\";\nkeep;\n", true)));

        Assert.Contains(error.Diagnostics, d => d.Line == 1 && d.Message.Contains("x-unknown", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Activate_OlderVersion_RollsBackAndKeepsEveryVersion()
    {
        await using var silo = await RulesSilo.StartAsync();
        var rules = silo.Rules("acme/versions");
        await rules.Upload(new UploadRuleScript("keep;\n", true, "ann", "first"));
        await rules.Upload(new UploadRuleScript("discard;\n", true, "bob", "second"));

        var rolledBack = await rules.Activate(1, "ann");

        Assert.True(rolledBack.Active);
        Assert.Equal("keep;\n", (await rules.Get(null))!.Source);
        var list = await rules.List();
        Assert.Equal([2, 1], list.Select(v => v.Version));
        Assert.Equal("second", list[0].Comment);
        var activated = (await silo.EventsOfAsync("acme/versions", "rule.script_activated")).Select(e => JsonDocument.Parse(e.PayloadJson).RootElement.GetProperty("version").GetInt32());
        Assert.Equal([1, 2, 1], activated);
        await Assert.ThrowsAsync<ArgumentException>(() => rules.Activate(7, null));
    }

    [Fact]
    public async Task Evaluate_SameRunTwice_ReturnsFirstDecisionAndRepliesOncePerSender()
    {
        await using var silo = await RulesSilo.StartAsync();
        var rules = silo.Rules("acme/evaluate");
        await rules.Upload(new UploadRuleScript(Script, true));
        await silo.Blobs.PutAsync("test/one.eml", new MemoryStream(Message("Your invoice")));
        await silo.Blobs.PutAsync("test/two.eml", new MemoryStream(Message("Another question")));

        var first = await rules.Evaluate(new RuleRunRequest("f1/1/1", "test/one.eml", ["team@example.test"], ["INBOX", "Finance"]));
        var again = await rules.Evaluate(new RuleRunRequest("f1/1/1", "test/one.eml", ["team@example.test"], ["INBOX", "Finance"]));
        var second = await rules.Evaluate(new RuleRunRequest("f1/1/2", "test/two.eml", ["team@example.test"], ["INBOX", "Finance"]));

        Assert.Equal(["fileinto", "tag", "vacation"], first.Actions.Select(a => a.Kind));
        Assert.Equal("Finance", first.Actions[0].Argument);
        Assert.Equal(first.Actions, again.Actions);
        // The vacation memory was committed with the first decision: the same sender gets no second reply.
        Assert.DoesNotContain(second.Actions, a => a.Kind == "vacation");
        Assert.True(second.Actions.Single().Implicit);
    }

    [Fact]
    public async Task Evaluate_MissingBlob_ImplicitKeepWithError()
    {
        await using var silo = await RulesSilo.StartAsync();
        var rules = silo.Rules("acme/missing");
        await rules.Upload(new UploadRuleScript("discard;\n", true));

        var decision = await rules.Evaluate(new RuleRunRequest("f1/1/9", "test/none.eml", [], ["INBOX"]));

        Assert.True(decision.Failed);
        Assert.Contains("does not exist", decision.Error, StringComparison.Ordinal);
        Assert.Equal("keep", Assert.Single(decision.Actions).Kind);
    }

    [Fact]
    public async Task Test_RawMessageWithUnsavedScript_ReturnsActionsAndChangesNothing()
    {
        await using var silo = await RulesSilo.StartAsync();
        var rules = silo.Rules("acme/dryrun");

        var run1 = await rules.Test(new RuleTestRequest(null, null, Message("invoice 42"), null, Script));
        var run2 = await rules.Test(new RuleTestRequest(null, null, Message("invoice 43"), null, Script));

        Assert.Equal(["fileinto", "tag", "vacation"], run1.Actions.Select(a => a.Kind));
        Assert.Equal(run1.Actions.Select(a => a.Kind), run2.Actions.Select(a => a.Kind));
        Assert.Null(run1.ScriptVersion);
        Assert.Empty(await rules.List());
    }

    [Fact]
    public async Task Test_BadMessageBytes_FallsBackToImplicitKeep()
    {
        await using var silo = await RulesSilo.StartAsync();
        var garbage = new byte[4096];
        new Random(7).NextBytes(garbage);

        var run = await silo.Rules("acme/garbage").Test(new RuleTestRequest(null, null, garbage, null, "if exists \"subject\" { discard; }\n"));

        var keep = Assert.Single(run.Actions);
        Assert.True(keep.Kind == "keep" && keep.Implicit, $"expected the implicit keep, got {keep}");
    }
}
