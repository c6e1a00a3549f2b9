using MailMesh.Sieve.Parsing;

namespace MailMesh.Sieve.Validation;

/// <summary>
/// Checks a parsed script against the language: <c>require</c> placement and capabilities, that
/// every command and test exists and its extension is required, tag and positional signatures,
/// blocks and nested tests; then lets each definition check its own semantics.
/// </summary>
internal sealed class SieveValidator
{
    private readonly SieveValidationContext _context;
    private readonly SieveLanguage _language;

    public SieveValidator(SieveValidationContext context)
    {
        _context = context;
        _language = context.Language;
    }

    public void Validate(IReadOnlyList<SieveCommandNode> commands)
    {
        var requireAllowed = true;
        foreach (var command in commands)
        {
            if (command.Name == "require")
            {
                if (!requireAllowed)
                {
                    _context.Error(command.Position, "'require' must come before any other command");
                }

                RegisterRequire(command);
            }
            else
            {
                requireAllowed = false;
            }
        }

        if (_context.IsRequired("encoded-character") || _context.IsRequired("variables"))
        {
            PrepareStrings(commands, 0);
        }

        ValidateCommands(commands, topLevel: true);
    }

    private void RegisterRequire(SieveCommandNode command)
    {
        foreach (var argument in command.Arguments)
        {
            if (argument is not SieveStringListArgument list)
            {
                continue;
            }

            foreach (var item in list.Items)
            {
                if (_language.HasCapability(item.Value))
                {
                    _context.AddRequired(item.Value.ToLowerInvariant());

                    // Capabilities that extend another one imply it (RFC 6131, RFC 5235).
                    if (item.Value.Equals("vacation-seconds", StringComparison.OrdinalIgnoreCase))
                    {
                        _context.AddRequired("vacation");
                    }
                    else if (item.Value.Equals("spamtestplus", StringComparison.OrdinalIgnoreCase))
                    {
                        _context.AddRequired("spamtest");
                    }
                }
                else
                {
                    _context.Error(item.Position, $"require: unknown Sieve capability '{item.Value}'");
                }
            }
        }
    }

    private void PrepareStrings(IReadOnlyList<SieveCommandNode> commands, int depth)
    {
        var decode = _context.IsRequired("encoded-character");
        var variables = _context.IsRequired("variables");
        foreach (var command in commands)
        {
            if (command.Name != "require")
            {
                PrepareNode(command, decode, variables, depth);
            }

            if (command.Block is not null)
            {
                PrepareStrings(command.Block, depth + 1);
            }
        }
    }

    private void PrepareNode(SieveNode node, bool decode, bool variables, int depth)
    {
        foreach (var argument in node.Arguments)
        {
            if (argument is not SieveStringListArgument list)
            {
                continue;
            }

            foreach (var item in list.Items)
            {
                if (decode && item.Value.Contains("${", StringComparison.Ordinal))
                {
                    item.Value = EncodedCharacter.Decode(item.Value, item.Position, _context);
                }

                if (variables)
                {
                    item.HasVariables = item.Value.Contains("${", StringComparison.Ordinal);
                }
            }
        }

        foreach (var test in node.Tests)
        {
            PrepareNode(test, decode, variables, depth + 1);
        }
    }

    private void ValidateCommands(IReadOnlyList<SieveCommandNode> commands, bool topLevel)
    {
        string? previous = null;
        foreach (var command in commands)
        {
            if (command.Name is "elsif" or "else" && previous is not ("if" or "elsif"))
            {
                _context.Error(command.Position, $"'{command.Name}' must follow an 'if' or 'elsif' block");
            }

            if (command.Name == "require" && !topLevel)
            {
                _context.Error(command.Position, "'require' is only allowed at the top level of a script, before other commands");
            }

            ValidateCommand(command);
            previous = command.Name;
        }
    }

    // One signature error per command or test (the first in argument order): once a node is known
    // to be malformed, its nested tests and semantic checks would only repeat the same mistake.
    private void ValidateCommand(SieveCommandNode command)
    {
        var errorsBefore = _context.ErrorCount;
        var definition = _language.FindCommand(command.Name);
        if (definition is null)
        {
            _context.Error(command.Position, _language.FindTest(command.Name) is not null
                ? $"cannot use test '{command.Name}' as a command: expected a command such as keep, fileinto or if"
                : $"unknown command '{command.Name}'");
        }
        else
        {
            command.Definition = definition;
            var ok = CheckExtension(definition, command, "command")
                && BindArguments(definition, command, "command")
                && CheckTests(definition.TestRule, command, "command");
            if (ok && definition.RequiresBlock && command.Block is null)
            {
                _context.Error(command.Position, $"command '{command.Name}' requires a block: expected '{{' after its arguments");
            }
            else if (ok && !definition.RequiresBlock && command.Block is not null)
            {
                _context.Error(command.Position, $"command '{command.Name}' does not take a block: expected ';' after its arguments");
            }
        }

        if (_context.ErrorCount == errorsBefore)
        {
            foreach (var test in command.Tests)
            {
                ValidateTest(test);
            }

            if (_context.ErrorCount == errorsBefore)
            {
                definition!.Validate(_context, command);
            }
        }

        if (command.Block is not null)
        {
            ValidateCommands(command.Block, topLevel: false);
        }
    }

    private void ValidateTest(SieveTestNode test)
    {
        var errorsBefore = _context.ErrorCount;
        var definition = _language.FindTest(test.Name);
        if (definition is null)
        {
            _context.Error(test.Position, _language.FindCommand(test.Name) is not null
                ? $"cannot use command '{test.Name}' as a test: expected a test such as header, address or allof"
                : $"unknown test '{test.Name}'");
            return;
        }

        test.Definition = definition;
        if (!(CheckExtension(definition, test, "test") && BindArguments(definition, test, "test") && CheckTests(definition.TestRule, test, "test")))
        {
            return;
        }

        foreach (var nested in test.Tests)
        {
            ValidateTest(nested);
        }

        if (_context.ErrorCount == errorsBefore)
        {
            definition.Validate(_context, test);
        }
    }

    private bool CheckExtension(SieveDefinition definition, SieveNode node, string what)
    {
        if (definition.Extension is not null && !_context.IsRequired(definition.Extension))
        {
            _context.Error(node.Position, $"{what} '{node.Name}' requires the '{definition.Extension}' extension: add require \"{definition.Extension}\";");
            return false;
        }

        return true;
    }

    private bool CheckTests(SieveTestRule rule, SieveNode node, string what)
    {
        switch (rule)
        {
            case SieveTestRule.None when node.Tests.Count > 0 || node.HasTestList:
                _context.Error(node.Tests.Count > 0 ? node.Tests[0].Position : node.Position, $"the {node.Name} {what} accepts no sub-tests, but one was specified");
                return false;
            case SieveTestRule.One when node.HasTestList || node.Tests.Count != 1:
                _context.Error(node.Position, $"{what} '{node.Name}' expects exactly one test{(node.HasTestList ? ", not a test list" : string.Empty)}");
                return false;
            case SieveTestRule.List when !node.HasTestList:
                _context.Error(node.Position, $"{what} '{node.Name}' expects a test list: ( test, test, ... )");
                return false;
            default:
                return true;
        }
    }

    private bool BindArguments(SieveDefinition definition, SieveNode node, string what)
    {
        node.Args = Bind(definition, node, what, out var ok);
        return ok;
    }

    private SieveArguments Bind(SieveDefinition definition, SieveNode node, string what, out bool ok)
    {
        ok = false;
        var tags = new Dictionary<string, SieveArgument?>(StringComparer.Ordinal);
        var groups = new Dictionary<string, string>(StringComparer.Ordinal);
        var positional = new List<SieveArgument>();
        var arguments = node.Arguments;
        for (var i = 0; i < arguments.Count; i++)
        {
            var argument = arguments[i];
            if (argument is not SieveTagArgument tag)
            {
                positional.Add(argument);
                continue;
            }

            var tagDefinition = definition.Tags.FirstOrDefault(t => t.Name == tag.Name);
            if (tagDefinition is null)
            {
                var accepted = definition.Tags.Count == 0 ? "it takes no tagged arguments" : "accepted: " + string.Join(", ", definition.Tags.Select(t => ":" + t.Name));
                _context.Error(tag.Position, $"unknown tagged argument ':{tag.Name}' for the {node.Name} {what} ({accepted})");
                return new SieveArguments(tags, groups, positional);
            }

            if (tagDefinition.Extension is not null && !_context.IsRequired(tagDefinition.Extension))
            {
                _context.Error(tag.Position, $"tagged argument ':{tag.Name}' of the {node.Name} {what} requires the '{tagDefinition.Extension}' extension: add require \"{tagDefinition.Extension}\";");
                return new SieveArguments(tags, groups, positional);
            }

            if (tags.ContainsKey(tag.Name))
            {
                _context.Error(tag.Position, $"tagged argument ':{tag.Name}' is given more than once for the {node.Name} {what}");
                return new SieveArguments(tags, groups, positional);
            }

            if (tagDefinition.Group is not null)
            {
                if (groups.TryGetValue(tagDefinition.Group, out var other))
                {
                    _context.Error(tag.Position, $"tagged argument ':{tag.Name}' conflicts with ':{other}' for the {node.Name} {what}: only one {tagDefinition.Group} may be given");
                    return new SieveArguments(tags, groups, positional);
                }

                groups[tagDefinition.Group] = tag.Name;
            }

            SieveArgument? value = null;
            if (tagDefinition.ValueKind is { } kind)
            {
                if (i + 1 >= arguments.Count || !Accepts(kind, arguments[i + 1]))
                {
                    var found = i + 1 < arguments.Count ? arguments[i + 1].Describe() : "nothing";
                    _context.Error(tag.Position, $"tagged argument ':{tag.Name}' of the {node.Name} {what} expects a {Describe(kind)} after it, but {found} was found");
                    return new SieveArguments(tags, groups, positional);
                }
                else
                {
                    value = arguments[++i];
                }
            }

            tags[tag.Name] = value;
        }

        var expected = definition.Positional;
        if (positional.Count < definition.MinPositional || positional.Count > expected.Count)
        {
            var range = definition.MinPositional == expected.Count ? $"{expected.Count}" : $"{definition.MinPositional} to {expected.Count}";
            var position = positional.Count > expected.Count ? positional[expected.Count].Position : node.Position;
            var described = string.Join(", ", expected.Select((k, i) => i < definition.PositionalNames.Count ? $"{definition.PositionalNames[i]}: {Describe(k)}" : Describe(k)));
            _context.Error(position, $"the {node.Name} {what} requires {range} positional argument(s) ({described}), but {positional.Count} were given");
            return new SieveArguments(tags, groups, positional);
        }
        else
        {
            // Optional positionals are the leading ones: align the given ones to the end of the signature.
            var offset = definition.OptionalPositionalsTrailing ? 0 : expected.Count - positional.Count;
            for (var p = 0; p < positional.Count; p++)
            {
                var kind = expected[p + offset];
                if (!Accepts(kind, positional[p]))
                {
                    var meaning = p + offset < definition.PositionalNames.Count ? $" ({definition.PositionalNames[p + offset]})" : string.Empty;
                    _context.Error(positional[p].Position, $"the {node.Name} {what} expects a {Describe(kind)} as positional argument {p + 1}{meaning}, but a {positional[p].Describe()} was found");
                    return new SieveArguments(tags, groups, positional);
                }
            }
        }

        ok = true;
        return new SieveArguments(tags, groups, positional);
    }

    private static bool Accepts(SieveArgumentKind kind, SieveArgument argument) => kind switch
    {
        SieveArgumentKind.Number => argument is SieveNumberArgument,
        SieveArgumentKind.String => argument is SieveStringListArgument { IsList: false },
        _ => argument is SieveStringListArgument,
    };

    private static string Describe(SieveArgumentKind kind) => kind switch
    {
        SieveArgumentKind.Number => "number",
        SieveArgumentKind.String => "string",
        _ => "string list",
    };
}
