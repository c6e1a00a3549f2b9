using System.Text;
using MailMesh.Rules.Messages;
using MailMesh.Sieve;

namespace MailMesh.Rules.Tests;

/// <summary>editheader results written into the raw message: kept fields byte for byte, the body untouched.</summary>
public sealed class HeaderEditsTests
{
    private const string Original =
        "Received: from a.example by b.example;\r\n Mon, 23 Nov 2026 10:00:00 +0000\r\n" +
        "From: Ann <ann@example.org>\r\nSubject: Invoice\r\nX-Junk: one\r\nX-Junk: two\r\n\r\nBody line 1\r\n\r\nBody line 2\r\n";

    private static async Task<string> EditAsync(string script, string message = Original)
    {
        var compiled = new SieveCompiler().CompileOrThrow(script);
        var evaluation = await new RuleEvaluator().EvaluateAsync(compiled, Encoding.ASCII.GetBytes(message));
        Assert.Null(evaluation.Error);
        var edited = evaluation.Result.EditedHeaders ?? throw new InvalidOperationException("the script changed no header");
        return Encoding.UTF8.GetString(HeaderEdits.Apply(Encoding.ASCII.GetBytes(message), edited, new HashSet<string> { RuleEvaluator.SpamScoreHeader }));
    }

    [Fact]
    public async Task Apply_AddTopAndLastDeleteOne_KeptFieldsAndBodyUnchanged()
    {
        var text = await EditAsync("""
            require "editheader";
            addheader "X-Triage" "billing";
            addheader :last "X-Seen-By" "rules";
            deleteheader :index 1 "X-Junk";
            """);

        Assert.Equal(
            "X-Triage: billing\r\nReceived: from a.example by b.example;\r\n Mon, 23 Nov 2026 10:00:00 +0000\r\n" +
            "From: Ann <ann@example.org>\r\nSubject: Invoice\r\nX-Junk: two\r\nX-Seen-By: rules\r\n\r\nBody line 1\r\n\r\nBody line 2\r\n", text);
    }

    [Fact]
    public async Task Apply_AddedFieldEqualToAnExistingOne_KeepsTheOriginalInPlace()
    {
        var text = await EditAsync("require \"editheader\";\naddheader \"X-Junk\" \"two\";\n");

        Assert.StartsWith("X-Junk: two\r\nReceived: from a.example", text, StringComparison.Ordinal);
        Assert.EndsWith("X-Junk: one\r\nX-Junk: two\r\n\r\nBody line 1\r\n\r\nBody line 2\r\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_LongNonAsciiValue_EncodedAndFoldedUnderTheLineLimit()
    {
        var text = await EditAsync("require \"editheader\";\naddheader :last \"X-Note\" \"Grüße aus der Buchhaltung, bitte bis Freitag prüfen und weiterleiten an das Team\";\n");

        var added = text[text.IndexOf("X-Note:", StringComparison.Ordinal)..text.IndexOf("\r\n\r\n", StringComparison.Ordinal)];
        Assert.All(added.Split("\r\n"), line => Assert.True(line.Length <= 998));
        Assert.StartsWith("X-Note: =?utf-8?", added, StringComparison.OrdinalIgnoreCase);
    }
}
