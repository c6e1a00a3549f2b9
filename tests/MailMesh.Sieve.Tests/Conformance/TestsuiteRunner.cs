using System.Text.RegularExpressions;
using MailMesh.Sieve.Interpretation;
using MailMesh.Sieve.Tests.Support;

namespace MailMesh.Sieve.Tests.Conformance;

internal enum SuiteStatus
{
    Ran,
    Unsupported,
    CompileFailed,
}

internal sealed record SuiteOutcome(string Path, SuiteStatus Status, string? Detail, IReadOnlyList<TestOutcome> Tests)
{
    public int Passed => Tests.Count(t => t.Status == TestStatus.Passed);

    public int Failed => Tests.Count(t => t.Status == TestStatus.Failed);

    public int Unsupported => Tests.Count(t => t.Status == TestStatus.Unsupported);

    public bool AllPassed => Status == SuiteStatus.Ran && Tests.Count > 0 && Tests.All(t => t.Status == TestStatus.Passed);
}

/// <summary>Runs one Pigeonhole .svtest file through the engine with the testsuite harness.</summary>
internal static partial class TestsuiteRunner
{
    // Capabilities the corpus uses that this engine does not implement, with why.
    public static readonly IReadOnlyDictionary<string, string> NotImplemented = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["enotify"] = "enotify (RFC 5435) is not implemented",
        ["environment"] = "environment (RFC 5183) is not implemented",
        ["extlists"] = "extlists (RFC 6134) is not implemented",
        ["ihave"] = "ihave (RFC 5463) is not implemented",
        ["mime"] = "mime (RFC 5703) is not implemented",
        ["foreverypart"] = "foreverypart (RFC 5703) is not implemented",
        ["extracttext"] = "extracttext (RFC 5703) is not implemented",
        ["mboxmetadata"] = "mboxmetadata (RFC 5490 section 3) is not implemented",
        ["servermetadata"] = "servermetadata (RFC 5490 section 4) is not implemented",
        ["special-use"] = "special-use (RFC 8579) is not implemented",
        ["imapflags"] = "the obsolete imapflags draft is not implemented (imap4flags is)",
        ["notify"] = "the obsolete notify draft is not implemented",
        ["vnd.dovecot.debug"] = "Dovecot-specific extension",
        ["vnd.dovecot.environment"] = "Dovecot-specific extension",
        ["vnd.dovecot.report"] = "Dovecot-specific extension",
        ["vnd.dovecot.pipe"] = "Dovecot-specific extension (external programs)",
        ["vnd.dovecot.filter"] = "Dovecot-specific extension (external programs)",
        ["vnd.dovecot.execute"] = "Dovecot-specific extension (external programs)",
    };

    /// <summary>Runs one suite; <paramref name="referenceInterpreter"/> walks the syntax tree instead of running the compiled program.</summary>
    public static SuiteOutcome Run(string path, string corpusRoot, bool referenceInterpreter = false)
    {
        var relative = Path.GetRelativePath(corpusRoot, path);
        var state = new TestsuiteState(Path.GetDirectoryName(path)!, referenceInterpreter);
        var language = SieveLanguage.CreateDefault().Add(new TestsuiteExtension(state));
        var compiler = new SieveCompiler(language, state.BaseOptions.Limits);
        var compilation = compiler.Compile(File.ReadAllText(path), Path.GetFileName(path));
        if (!compilation.Success)
        {
            var missing = MissingCapabilities(compilation);
            if (missing.Count > 0)
            {
                return new SuiteOutcome(relative, SuiteStatus.Unsupported, string.Join("; ", missing.Select(m => NotImplemented[m])), []);
            }

            return new SuiteOutcome(relative, SuiteStatus.CompileFailed, string.Join(" | ", compilation.Errors.Take(3)), []);
        }

        var interpreter = new SieveInterpreter(state.BaseOptions);
        var runtime = interpreter.CreateRuntime(compilation.Script!, TestMessage.Parse(TestsuiteState.DefaultMessage), TestsuiteState.DefaultEnvelope);
        string? detail = null;
        try
        {
            var result = SieveInterpreter.Run(runtime, r => r.ExecuteCommands(r.Script.Commands));
            if (result.Error is { } error)
            {
                detail = "run-time error outside a test block: " + error.Message;
                state.Tests.Add(new TestOutcome("(top level)", TestStatus.Failed, detail));
            }
        }
        catch (TestFailedException e)
        {
            state.Tests.Add(new TestOutcome("(top level)", TestStatus.Failed, e.Message));
        }
        catch (TestUnsupportedException e)
        {
            state.Tests.Add(new TestOutcome("(top level)", TestStatus.Unsupported, e.Message));
        }

        return new SuiteOutcome(relative, SuiteStatus.Ran, detail, IsExpectedToFail(relative) ? ExpectFailure(state.Tests) : state.Tests);
    }

    // The failures/ suites are regression tests for crashes found by fuzzing: each is written to fail (it asks for a
    // message that was never stored, ...) and checks that the failure is reported cleanly. A clean failure passes.
    private static bool IsExpectedToFail(string relative) =>
        relative.StartsWith("failures" + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    private static List<TestOutcome> ExpectFailure(IEnumerable<TestOutcome> tests) =>
    [
        .. tests.Select(t => t.Status switch
        {
            TestStatus.Failed => t with { Status = TestStatus.Passed, Detail = "failed cleanly, as expected: " + t.Detail },
            TestStatus.Passed => t with { Status = TestStatus.Failed, Detail = "expected to fail (a failures/ suite), but passed" },
            _ => t,
        }),
    ];

    /// <summary>Unimplemented capabilities a failed compilation names (empty when it failed for other reasons).</summary>
    public static List<string> MissingCapabilities(SieveCompilation compilation)
    {
        var missing = compilation.Errors
            .Select(e => CapabilityPattern().Match(e.Message))
            .Where(m => m.Success)
            .Select(m => m.Groups[1].Value)
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .ToList();
        return missing.Count > 0 && missing.All(NotImplemented.ContainsKey) ? missing : [];
    }

    [GeneratedRegex("unknown Sieve capability '([^']+)'")]
    private static partial Regex CapabilityPattern();
}
