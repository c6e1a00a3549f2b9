using System.Diagnostics;
using MailMesh.Sieve.Messages;
using MailMesh.Sieve.Parsing;

namespace MailMesh.Sieve.Interpretation;

/// <summary>
/// The state of one execution, passed to every command and test: the message and its header
/// view, the envelope, variables, flags, the actions so far, and the guards (steps, time, limits).
/// </summary>
public sealed partial class SieveRuntime
{
    private readonly long _started = Stopwatch.GetTimestamp();
    private readonly CancellationToken _cancellationToken;
    private readonly SieveInterpreter _interpreter;
    private ISieveMessage _message;
    private bool _stopped;

    internal SieveRuntime(SieveInterpreter interpreter, SieveScript script, ISieveMessage message, SieveEnvelope envelope, SieveExecutionOptions options, CancellationToken cancellationToken)
    {
        _interpreter = interpreter;
        _message = message;
        Headers = new SieveHeaderView(message);
        Envelope = envelope;
        Options = options;
        _cancellationToken = cancellationToken;
        Frame = new SieveFrame(script, null, SieveScriptLocation.Personal);
        Now = options.Clock.GetUtcNow();
    }

    /// <summary>The message being filtered. Setting it (test harnesses) resets the header view.</summary>
    public ISieveMessage Message
    {
        get => _message;
        set
        {
            _message = value;
            Headers = new SieveHeaderView(value);
            BodyValues = null;
        }
    }

    /// <summary>The header as the script sees it (editheader changes it).</summary>
    public SieveHeaderView Headers { get; private set; }

    /// <summary>The SMTP envelope.</summary>
    public SieveEnvelope Envelope { get; set; }

    /// <summary>The execution options (hosts driving a runtime themselves, such as test harnesses, may replace them).</summary>
    public SieveExecutionOptions Options { get; set; }

    /// <summary>The limits in force.</summary>
    public SieveLimits Limits => Options.Limits;

    /// <summary>The time the execution started (from the injected clock).</summary>
    public DateTimeOffset Now { get; }

    /// <summary>How many commands and tests have been evaluated.</summary>
    public long Steps { get; private set; }

    /// <summary>The script currently running (the main one or an included one).</summary>
    public SieveScript Script => Frame.Script;

    internal SieveFrame Frame { get; private set; }

    // The body extension's extracted texts per transform (the body does not change during an execution).
    internal Dictionary<string, IReadOnlyList<string>>? BodyValues { get; set; }

    /// <summary>True once <c>stop</c> ran.</summary>
    public bool Stopped => _stopped;

    /// <summary>True when <paramref name="extension"/> is required by the running script.</summary>
    public bool IsRequired(string extension) => Frame.Script.RequiredExtensions.Contains(extension, StringComparer.OrdinalIgnoreCase);

    /// <summary>Counts one step and enforces the step, time and cancellation guards.</summary>
    public void Step(SourcePosition position)
    {
        Steps++;
        if (Steps > Limits.MaxSteps)
        {
            throw Fail($"the script exceeded the limit of {Limits.MaxSteps} evaluation steps", position);
        }

        if ((Steps & 0x3ff) == 0)
        {
            _cancellationToken.ThrowIfCancellationRequested();
            if (Stopwatch.GetElapsedTime(_started) > Limits.MaxExecutionTime)
            {
                throw Fail($"the script ran longer than the limit of {Limits.MaxExecutionTime.TotalSeconds} s", position);
            }
        }
    }

    /// <summary>Creates the run-time error to throw, naming the running script.</summary>
    public SieveRuntimeException Fail(string message, SourcePosition? position = null) =>
        new(message) { Position = position, ScriptName = Frame.Script.Name };

    /// <summary>Stops the whole execution (<c>stop</c>).</summary>
    public void Stop() => _stopped = true;

    /// <summary>Ends the running script and resumes its includer (<c>return</c>).</summary>
    public void Return() => Frame.Returned = true;

    /// <summary>Runs commands in order, handling if/elsif/else chains, until the end, stop or return.</summary>
    /// <remarks>A block of the running script runs its compiled form unless <see cref="SieveExecutionOptions.UseReferenceInterpreter"/> is set.</remarks>
    public void ExecuteCommands(IReadOnlyList<SieveCommandNode> commands)
    {
        ArgumentNullException.ThrowIfNull(commands);
        if (!Options.UseReferenceInterpreter && Frame.Script.Program.TryGetBlock(commands, out var compiled))
        {
            compiled.Execute(this);
            return;
        }

        var chainTaken = false;
        for (var c = 0; c < commands.Count; c++)
        {
            var command = commands[c];
            if (_stopped || Frame.Returned)
            {
                return;
            }

            Step(command.Position);
            switch (command.Name)
            {
                case "if":
                    chainTaken = Evaluate(command.Tests[0]);
                    if (chainTaken)
                    {
                        ExecuteCommands(command.Block!);
                    }

                    continue;
                case "elsif":
                    if (!chainTaken && Evaluate(command.Tests[0]))
                    {
                        chainTaken = true;
                        ExecuteCommands(command.Block!);
                    }

                    continue;
                case "else":
                    if (!chainTaken)
                    {
                        ExecuteCommands(command.Block!);
                    }

                    chainTaken = true;
                    continue;
                default:
                    command.Definition!.Execute(this, command);
                    continue;
            }
        }
    }

    /// <summary>Evaluates a test.</summary>
    public bool Evaluate(SieveTestNode test)
    {
        Step(test.Position);
        return test.Definition!.Evaluate(this, test);
    }

    /// <summary>Runs another compiled script in this execution (include, and test harnesses), with its own local variables.</summary>
    public void RunNested(SieveScript script, SieveScriptLocation location)
    {
        var previous = Frame;
        Frame = new SieveFrame(script, previous, location);
        try
        {
            ExecuteCommands(script.Commands);
        }
        finally
        {
            Frame = previous;
        }
    }

    /// <summary>
    /// Runs another script as its own execution that shares this result (test harnesses,
    /// multi-script setups): <c>stop</c> in it ends only that script.
    /// </summary>
    public void RunSubordinate(SieveScript script)
    {
        var stopped = _stopped;
        try
        {
            RunNested(script, SieveScriptLocation.Personal);
        }
        finally
        {
            _stopped = stopped;
        }
    }

    internal void RunMain() => ExecuteCommands(Frame.Script.Commands);

    /// <summary>Compiles a script with the running script's language and the execution's limits (include, harnesses).</summary>
    public SieveCompilation Compile(string source, string? name) => _interpreter.CompileCached(Frame.Script.Language, Limits, source, name);

    internal sealed class SieveFrame
    {
        public SieveFrame(SieveScript script, SieveFrame? parent, SieveScriptLocation location)
        {
            Script = script;
            Parent = parent;
            Location = location;
            Depth = parent is null ? 0 : parent.Depth + 1;
        }

        public SieveScript Script { get; }

        public SieveFrame? Parent { get; }

        public SieveScriptLocation Location { get; }

        public int Depth { get; }

        public bool Returned { get; set; }

        private Dictionary<string, string>? _locals;

        private HashSet<string>? _globals;

        // Created on first use: most scripts have no variables and declare no globals.
        public Dictionary<string, string> Locals => _locals ??= new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

        public HashSet<string> Globals => _globals ??= new HashSet<string>(StringComparer.OrdinalIgnoreCase);

        public bool IsGlobal(string name) => _globals?.Contains(name) == true;
    }
}
