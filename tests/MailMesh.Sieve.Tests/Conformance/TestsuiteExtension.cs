using MailMesh.Sieve.Extensions.Core;
using MailMesh.Sieve.Interpretation;
using MailMesh.Sieve.Parsing;
using MailMesh.Sieve.Tests.Support;
using MailMesh.Sieve.Validation;

namespace MailMesh.Sieve.Tests.Conformance;

/// <summary>
/// The part of Pigeonhole's <c>vnd.dovecot.testsuite</c> extension the corpus needs, built on the
/// engine's public extension API. Lives in the test project: it is a harness, not a feature.
/// </summary>
internal sealed class TestsuiteExtension(TestsuiteState state) : ISieveExtension
{
    private const string Capability = "vnd.dovecot.testsuite";

    public void Register(SieveLanguage language)
    {
        language.AddCapability(Capability);
        language.AddCommand(new TestCommand(state));
        language.AddCommand(new Command("test_fail", (r, c) => throw new TestFailedException(r.GetString(c.Args.Positional[0])), SieveArgumentKind.String));
        language.AddCommand(new Command("test_set", (r, c) => TestSet(r, r.GetString(c.Args.Positional[0]), r.GetString(c.Args.Positional[1])), SieveArgumentKind.String, SieveArgumentKind.String));
        language.AddCommand(new Command("test_config_set", (r, c) => ConfigSet(r, r.GetString(c.Args.Positional[0]), r.GetString(c.Args.Positional[1])), SieveArgumentKind.String, SieveArgumentKind.String));
        language.AddCommand(new Command("test_config_unset", (r, c) =>
        {
            state.Config.Remove(r.GetString(c.Args.Positional[0]));
            r.Options = TestsuiteConfig.Apply(state.BaseOptions, state.Config);
        }, SieveArgumentKind.String));
        var reload = new Command("test_config_reload", (r, _) => r.Options = TestsuiteConfig.Apply(state.BaseOptions, state.Config));
        reload.AddTag(new SieveTagDefinition("extension", SieveArgumentKind.String));
        language.AddCommand(reload);
        language.AddCommand(new Command("test_result_reset", (r, _) => ResetResult(r)));
        language.AddCommand(new Command("test_result_print", (_, _) => { }));
        language.AddCommand(new Command("test_mailbox_create", (r, c) => state.Mailboxes.TryAdd(SieveRuntime.NormalizeMailbox(r.GetString(c.Args.Positional[0])), []), SieveArgumentKind.String));
        language.AddCommand(new Command("test_binary_save", (_, _) => throw new TestUnsupportedException("compiled binaries (test_binary_save) do not exist in this engine"), SieveArgumentKind.String));
        language.AddCommand(new Command("test_binary_load", (_, _) => throw new TestUnsupportedException("compiled binaries (test_binary_load) do not exist in this engine"), SieveArgumentKind.String));
        language.AddCommand(new Command("test_imap_metadata_set", (_, _) => throw new TestUnsupportedException("IMAP METADATA is not implemented"), SieveArgumentKind.String, SieveArgumentKind.String));
        language.AddTest(new Test("test_script_compile", (r, t) => Compile(r, r.GetString(t.Args.Positional[0])), SieveArgumentKind.String));
        var run = new Test("test_script_run", (r, t) => RunScript(r, t.Args.Has("append_result")));
        run.AddTag(new SieveTagDefinition("append_result"));
        language.AddTest(run);
        language.AddTest(new Test("test_multiscript", (_, _) => throw new TestUnsupportedException("multiscript (sieve_before/after sequences) is not implemented"), SieveArgumentKind.StringList));
        language.AddTest(new Test("test_result_execute", (r, _) => TestsuiteExecutor.Execute(state, r)));
        var message = new Test("test_message", (r, t) => TestsuiteExecutor.SelectMessage(state, r, t), SieveArgumentKind.Number);
        message.AddTag(new SieveTagDefinition("smtp", null, null, "source"));
        message.AddTag(new SieveTagDefinition("folder", SieveArgumentKind.String, null, "source"));
        language.AddTest(message);
        var messageCommand = new Command("test_message", (r, c) =>
        {
            if (!TestsuiteExecutor.SelectMessage(state, r, c))
            {
                throw new TestFailedException("test_message: the requested message does not exist");
            }
        }, SieveArgumentKind.Number);
        messageCommand.AddTag(new SieveTagDefinition("smtp", null, null, "source"));
        messageCommand.AddTag(new SieveTagDefinition("folder", SieveArgumentKind.String, null, "source"));
        language.AddCommand(messageCommand);
        language.AddTest(new ListMatchTest("test_error", r => state.Errors));
        language.AddTest(new ListMatchTest("test_result_action", r => r.Actions.Select(ActionName).ToList()));
    }

    private static string ActionName(SieveAction action) => action switch
    {
        FileIntoAction => "store",
        _ => action.Name,
    };

    private void ConfigSet(SieveRuntime runtime, string key, string value)
    {
        TestsuiteConfig.CheckSupported(key);
        state.Config[key] = value;
        runtime.Options = TestsuiteConfig.Apply(state.BaseOptions, state.Config);
    }

    private void ResetResult(SieveRuntime runtime)
    {
        runtime.ResetResult();
        state.Outbox.Clear();
        state.LastRunError = null;
    }

    private static void TestSet(SieveRuntime runtime, string name, string value)
    {
        switch (name.ToLowerInvariant())
        {
            case "message":
                // A new message comes with the default envelope (test_message :smtp may have replaced it).
                runtime.Message = TestMessage.Parse(value);
                runtime.Envelope = TestsuiteState.DefaultEnvelope;
                break;
            case "envelope.from":
                runtime.Envelope = runtime.Envelope with { From = value };
                break;
            case "envelope.to":
                runtime.Envelope = runtime.Envelope with { To = value };
                break;
            case "envelope.auth":
                runtime.Envelope = runtime.Envelope with { Auth = value };
                break;
            default:
                throw new TestUnsupportedException($"test_set '{name}' is not supported by the harness");
        }
    }

    private bool Compile(SieveRuntime runtime, string relativePath)
    {
        var path = Path.Combine(state.SuiteDirectory, relativePath);
        if (!File.Exists(path))
        {
            throw new TestFailedException($"test_script_compile: no script at {relativePath}");
        }

        state.LastCompilation = runtime.Compile(File.ReadAllText(path), Path.GetFileName(path));
        state.Errors.Clear();
        state.Errors.AddRange(state.LastCompilation.Errors.Select(e => e.Message));
        if (!state.LastCompilation.Success)
        {
            // Pigeonhole ends a failed compile with one summary error, and its tests count it.
            state.Errors.Add($"{relativePath}: compilation failed with {state.Errors.Count} error(s)");
        }

        var missing = TestsuiteRunner.MissingCapabilities(state.LastCompilation);
        if (missing.Count > 0)
        {
            throw new TestUnsupportedException($"{relativePath}: " + string.Join("; ", missing.Select(m => TestsuiteRunner.NotImplemented[m])));
        }

        return state.LastCompilation.Success;
    }

    private bool RunScript(SieveRuntime runtime, bool append)
    {
        var script = state.LastCompilation?.Script;
        if (script is null)
        {
            return false;
        }

        if (!append)
        {
            ResetResult(runtime);
        }

        var warnings = runtime.Warnings.Count;
        try
        {
            runtime.RunSubordinate(script);

            // Problems that did not stop the script are errors Pigeonhole reports too.
            state.Errors.AddRange(runtime.Warnings.Skip(warnings));
            return true;
        }
        catch (SieveRuntimeException e)
        {
            state.LastRunError = e;
            state.Errors.Add(e.Message);
            return false;
        }
    }

    private sealed class TestCommand : SieveCommandDefinition
    {
        private readonly TestsuiteState _state;

        public TestCommand(TestsuiteState state)
            : base("test", Capability, SieveArgumentKind.String)
        {
            _state = state;
            RequiresBlock = true;
        }

        public override void Execute(SieveRuntime runtime, SieveCommandNode command)
        {
            var name = runtime.GetString(command.Args.Positional[0]);
            try
            {
                runtime.ExecuteCommands(command.Block!);
                _state.Tests.Add(new TestOutcome(name, TestStatus.Passed, null));
            }
            catch (TestFailedException e)
            {
                var compileErrors = _state.LastCompilation is { Success: false } failed ? " [last compile: " + string.Join(" | ", failed.Errors.Take(20)) + "]" : string.Empty;
                var runError = _state.LastRunError is { } error ? " [last run: " + error.Message + "]" : string.Empty;
                var log = runtime.LogEntries.Count > 0 ? " [log: " + runtime.LogEntries[^1] + "]" : string.Empty;
                _state.Tests.Add(new TestOutcome(name, TestStatus.Failed, e.Message + compileErrors + runError + log));
            }
            catch (TestUnsupportedException e)
            {
                _state.Tests.Add(new TestOutcome(name, TestStatus.Unsupported, e.Message));
            }
            catch (SieveRuntimeException e)
            {
                _state.Tests.Add(new TestOutcome(name, TestStatus.Failed, "run-time error: " + e.Message));
            }
        }
    }

    private sealed class Command : SieveCommandDefinition
    {
        private readonly Action<SieveRuntime, SieveCommandNode> _body;

        public Command(string name, Action<SieveRuntime, SieveCommandNode> body, params SieveArgumentKind[] positional)
            : base(name, Capability, positional)
        {
            _body = body;
        }

        public override void Execute(SieveRuntime runtime, SieveCommandNode command) => _body(runtime, command);
    }

    private sealed class Test : SieveTestDefinition
    {
        private readonly Func<SieveRuntime, SieveTestNode, bool> _body;

        public Test(string name, Func<SieveRuntime, SieveTestNode, bool> body, params SieveArgumentKind[] positional)
            : base(name, Capability, positional)
        {
            _body = body;
        }

        public override bool Evaluate(SieveRuntime runtime, SieveTestNode test) => _body(runtime, test);
    }

    /// <summary>test_error / test_result_action: match a list (errors, action names), or one item with :index (1-based).</summary>
    private sealed class ListMatchTest : SieveMatchingTest
    {
        private readonly Func<SieveRuntime, List<string>> _values;

        public ListMatchTest(string name, Func<SieveRuntime, List<string>> values)
            : base(name, Capability, SieveArgumentKind.StringList)
        {
            _values = values;
            AddTag(new SieveTagDefinition("index", SieveArgumentKind.Number));
        }

        protected override IEnumerable<string> Values(SieveRuntime runtime, SieveTestNode test)
        {
            var values = _values(runtime);
            if (test.Args.Value("index") is SieveNumberArgument index)
            {
                return index.Value >= 1 && index.Value <= values.Count ? [values[(int)index.Value - 1]] : [];
            }

            return values;
        }
    }
}
