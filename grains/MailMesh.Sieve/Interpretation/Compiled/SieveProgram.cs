using MailMesh.Sieve.Extensions.Body;
using MailMesh.Sieve.Extensions.Core;
using MailMesh.Sieve.Matching;
using MailMesh.Sieve.Parsing;

namespace MailMesh.Sieve.Interpretation.Compiled;

/// <summary>
/// A script turned, once, into objects that run it without re-reading the syntax tree: every command block
/// becomes an array of steps, the built-in tests that dominate real scripts (header, address, exists, size,
/// body, allof/anyof/not, true/false) are bound to their constant header names, keys, address part and
/// matcher, and regexes with constant patterns are compiled to IL. Every other command or test runs through
/// its definition, exactly as the reference interpreter (<see cref="SieveRuntime.ExecuteCommands"/> with
/// <see cref="SieveExecutionOptions.UseReferenceInterpreter"/>) would, and steps are counted the same way, so
/// both paths decide the same actions. Immutable and shared by every execution of the script.
/// </summary>
internal sealed class SieveProgram
{
    private readonly Dictionary<IReadOnlyList<SieveCommandNode>, CompiledBlock> _blocks = new(ReferenceEqualityComparer.Instance);

    private SieveProgram(SieveScript script)
    {
        Main = CompileBlock(script.Commands);
    }

    /// <summary>The top-level block.</summary>
    public CompiledBlock Main { get; }

    /// <summary>Compiles <paramref name="script"/>.</summary>
    public static SieveProgram Compile(SieveScript script) => new(script);

    /// <summary>The compiled form of a block of this script (the same list instance), if it is one.</summary>
    public bool TryGetBlock(IReadOnlyList<SieveCommandNode> commands, out CompiledBlock block) => _blocks.TryGetValue(commands, out block!);

    private CompiledBlock CompileBlock(IReadOnlyList<SieveCommandNode> commands)
    {
        var steps = new CompiledCommand[commands.Count];
        for (var i = 0; i < steps.Length; i++)
        {
            var command = commands[i];
            var kind = command.Name switch
            {
                "if" => CommandKind.If,
                "elsif" => CommandKind.Elsif,
                "else" => CommandKind.Else,
                _ => CommandKind.Other,
            };
            var test = kind is CommandKind.If or CommandKind.Elsif ? CompileTest(command.Tests[0]) : null;
            var block = kind == CommandKind.Other ? null : CompileBlock(command.Block!);
            steps[i] = new CompiledCommand(command, kind, test, block, kind == CommandKind.Other ? AddFlagCommand.TryCreate(command) : null);
        }

        var compiled = new CompiledBlock(steps);
        _blocks[commands] = compiled;
        return compiled;
    }

    private CompiledTest CompileTest(SieveTestNode test)
    {
        if (test.Annotation is SieveMatcher { MatchType: SieveMatchType.Regex } regexMatcher)
        {
            // Constant patterns (keys of any matching test) run compiled to IL; marking a non-key string is harmless.
            foreach (var argument in test.Args.Positional)
            {
                foreach (var pattern in Constant(argument) ?? [])
                {
                    regexMatcher.CompileToIL(pattern);
                }
            }
        }

        var definition = test.Definition;
        return definition switch
        {
            LogicTest => test.Name switch
            {
                "not" => new NotTest(test, CompileTest(test.Tests[0])),
                "allof" => new AllOfTest(test, test.Tests.Select(CompileTest).ToArray()),
                _ => new AnyOfTest(test, test.Tests.Select(CompileTest).ToArray()),
            },
            ConstantTest => new ConstantValueTest(test, test.Name == "true"),
            ExistsTest when Constant(test.Args.Positional[0]) is { } names => new HeaderExistsTest(test, names),
            SizeTest => new MessageSizeTest(test, SieveRuntime.GetNumber(test.Args.Positional[0]), test.Args.Has("over")),
            HeaderTest when MatchingParts(test) is { } parts => new HeaderValuesTest(test, parts.Names, parts.Keys, parts.Matcher, IndexOf(test)),
            AddressTest when MatchingParts(test) is { } parts => new AddressValuesTest(test, parts.Names, parts.Keys, parts.Matcher, test.Args.Group("address-part") ?? "all", IndexOf(test)),
            BodyTest when test.Args.Has("raw") && RawBodyContainsTest.Accepts(test, Constant(test.Args.Positional[^1])) is { } keys =>
                new RawBodyContainsTest(test, keys, ((SieveMatcher)test.Annotation!).Comparator == SieveComparator.AsciiCaseMap),
            _ => new DefinitionTest(test),
        };
    }

    private (string[] Names, string[] Keys, SieveMatcher Matcher)? MatchingParts(SieveTestNode test)
    {
        if (test.Annotation is not SieveMatcher { MatchType: not SieveMatchType.Count } matcher
            || test.Args.Positional.Count != 2
            || Constant(test.Args.Positional[0]) is not { } names
            || Constant(test.Args.Positional[1]) is not { } keys)
        {
            return null;
        }

        return (names, keys, matcher);
    }

    private static (int? Index, bool Last) IndexOf(SieveTestNode test) =>
        (test.Args.Value("index") is SieveNumberArgument n ? (int)Math.Min(n.Value, int.MaxValue) : null, test.Args.Has("last"));

    // The values of a string list without variables (the same at every run), or null.
    private static string[]? Constant(SieveArgument argument)
    {
        if (argument is not SieveStringListArgument list)
        {
            return null;
        }

        var values = new string[list.Items.Count];
        for (var i = 0; i < values.Length; i++)
        {
            if (list.Items[i].HasVariables)
            {
                return null;
            }

            values[i] = list.Items[i].Value;
        }

        return values;
    }
}

/// <summary>How a compiled command takes part in an if chain.</summary>
internal enum CommandKind
{
    If,
    Elsif,
    Else,
    Other,
}

/// <summary>One command of a block: an if/elsif/else with its test and block, or any other command.</summary>
internal sealed record CompiledCommand(SieveCommandNode Node, CommandKind Kind, CompiledTest? Test, CompiledBlock? Block, AddFlagCommand? AddFlag);

/// <summary>A block of commands, run the way <see cref="SieveRuntime.ExecuteCommands"/> runs one.</summary>
internal sealed class CompiledBlock(CompiledCommand[] commands)
{
    public void Execute(SieveRuntime runtime)
    {
        var chainTaken = false;
        for (var c = 0; c < commands.Length; c++)
        {
            if (runtime.Stopped || runtime.Frame.Returned)
            {
                return;
            }

            var command = commands[c];
            runtime.Step(command.Node.Position);
            switch (command.Kind)
            {
                case CommandKind.If:
                    chainTaken = command.Test!.Evaluate(runtime);
                    if (chainTaken)
                    {
                        command.Block!.Execute(runtime);
                    }

                    continue;
                case CommandKind.Elsif:
                    if (!chainTaken && command.Test!.Evaluate(runtime))
                    {
                        chainTaken = true;
                        command.Block!.Execute(runtime);
                    }

                    continue;
                case CommandKind.Else:
                    if (!chainTaken)
                    {
                        command.Block!.Execute(runtime);
                    }

                    chainTaken = true;
                    continue;
                default:
                    if (command.AddFlag is { } addFlag)
                    {
                        addFlag.Execute(runtime);
                    }
                    else
                    {
                        command.Node.Definition!.Execute(runtime, command.Node);
                    }

                    continue;
            }
        }
    }
}
