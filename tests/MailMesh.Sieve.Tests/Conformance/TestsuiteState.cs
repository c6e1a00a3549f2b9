using MailMesh.Sieve.Interpretation;
using MailMesh.Sieve.Messages;

namespace MailMesh.Sieve.Tests.Conformance;

/// <summary>A test block failed (test_fail, or a failed check).</summary>
internal sealed class TestFailedException(string message) : Exception(message);

/// <summary>The suite or a test uses something the harness or engine does not implement.</summary>
internal sealed class TestUnsupportedException(string reason) : Exception(reason);

internal enum TestStatus
{
    Passed,
    Failed,
    Unsupported,
}

internal sealed record TestOutcome(string Name, TestStatus Status, string? Detail);

internal sealed record StoredMessage(string Raw, IReadOnlyList<string> Flags);

internal sealed record SentMessage(string? EnvelopeFrom, string EnvelopeTo, string Raw);

/// <summary>What one .svtest run knows: compiled script, mail store, SMTP outbox, configuration, outcomes.</summary>
internal sealed class TestsuiteState
{
    public TestsuiteState(string suiteDirectory, bool referenceInterpreter = false)
    {
        SuiteDirectory = suiteDirectory;
        Mailboxes["INBOX"] = [];
        BaseOptions = new SieveExecutionOptions
        {
            ScriptResolver = new DirectoryResolver(suiteDirectory),
            DuplicateTracker = DuplicateTracker,
            Mailboxes = new StoreCatalog(this),
            Limits = new SieveLimits { MaxSteps = 5_000_000, MaxExecutionTime = TimeSpan.FromSeconds(30) },
            UseReferenceInterpreter = referenceInterpreter,
        };
    }

    public string SuiteDirectory { get; }

    public SieveExecutionOptions BaseOptions { get; }

    public InMemoryDuplicateTracker DuplicateTracker { get; } = new();

    public SieveCompilation? LastCompilation { get; set; }

    public SieveRuntimeException? LastRunError { get; set; }

    /// <summary>What test_error sees: the last compile's errors, then run-time and execution errors.</summary>
    public List<string> Errors { get; } = [];

    public List<TestOutcome> Tests { get; } = [];

    public Dictionary<string, List<StoredMessage>> Mailboxes { get; } = new(StringComparer.Ordinal);

    public List<SentMessage> Outbox { get; } = [];

    public Dictionary<string, string> Config { get; } = new(StringComparer.OrdinalIgnoreCase);

    // No recipient unless a test sets one: vacation then has no envelope recipient to look for in the header
    // and replies (as Pigeonhole's test suite does for messages addressed to anyone).
    public static SieveEnvelope DefaultEnvelope { get; } = new("sender@example.com", null);

    public const string DefaultMessage = "From: sender@example.com\r\nTo: recipient@example.com\r\nSubject: Frop\r\n\r\nFrop!\r\n";

    private sealed class DirectoryResolver(string directory) : ISieveScriptResolver
    {
        public string? Resolve(string name, SieveScriptLocation location)
        {
            var folder = location == SieveScriptLocation.Global ? "included-global" : "included";
            var path = Path.Combine(directory, folder, name + ".sieve");
            return File.Exists(path) ? File.ReadAllText(path) : null;
        }
    }

    private sealed class StoreCatalog(TestsuiteState state) : IMailboxCatalog
    {
        public bool Exists(string mailbox) => state.Mailboxes.ContainsKey(SieveRuntime.NormalizeMailbox(mailbox));
    }
}
