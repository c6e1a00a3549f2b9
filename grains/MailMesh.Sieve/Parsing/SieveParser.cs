using MailMesh.Sieve.Lexing;

namespace MailMesh.Sieve.Parsing;

/// <summary>
/// Recursive-descent parser for the RFC 5228 grammar (section 8.2). On a syntax error it reports
/// what was expected, skips to the end of the command and carries on, so several errors are
/// reported per script. Nesting of blocks and tests is bounded so hostile input cannot exhaust the stack.
/// </summary>
public sealed class SieveParser
{
    private const int MaxErrors = 50;
    private readonly List<Token> _tokens;
    private readonly List<SieveDiagnostic> _diagnostics;
    private readonly string? _scriptName;
    private readonly int _maxNesting;
    private int _index;
    private int _errorCount;

    private SieveParser(List<Token> tokens, List<SieveDiagnostic> diagnostics, string? scriptName, int maxNesting)
    {
        _tokens = tokens;
        _diagnostics = diagnostics;
        _scriptName = scriptName;
        _maxNesting = maxNesting;
    }

    /// <summary>Parses <paramref name="source"/>; problems go to <paramref name="diagnostics"/>.</summary>
    public static IReadOnlyList<SieveCommandNode> Parse(string source, List<SieveDiagnostic> diagnostics, string? scriptName = null, int maxNesting = 32)
    {
        var tokens = new SieveLexer(source, diagnostics, scriptName).Tokenize();
        var parser = new SieveParser(tokens, diagnostics, scriptName, maxNesting);
        return parser.ParseScript();
    }

    private Token Current => _tokens[_index];

    private Token Consume() => _tokens[_index < _tokens.Count - 1 ? _index++ : _index];

    private void Error(SourcePosition position, string message)
    {
        _errorCount++;
        if (_errorCount <= MaxErrors)
        {
            _diagnostics.Add(new SieveDiagnostic(SieveDiagnosticSeverity.Error, position, message, _scriptName));
        }
    }

    private List<SieveCommandNode> ParseScript()
    {
        var commands = ParseCommands(0);
        while (Current.Kind != TokenKind.EndOfInput)
        {
            Error(Current.Position, $"unexpected {Current.Describe()}: expected a command");
            Consume();
            commands.AddRange(ParseCommands(0));
        }

        return commands;
    }

    private List<SieveCommandNode> ParseCommands(int depth)
    {
        var commands = new List<SieveCommandNode>();
        while (Current.Kind is not (TokenKind.EndOfInput or TokenKind.RightBrace))
        {
            if (_errorCount > MaxErrors)
            {
                SkipToEnd();
                break;
            }

            if (Current.Kind != TokenKind.Identifier)
            {
                Error(Current.Position, $"unexpected {Current.Describe()}: expected a command name");
                Recover(depth);
                continue;
            }

            var command = ParseCommand(depth);
            if (command is not null)
            {
                commands.Add(command);
            }
        }

        return commands;
    }

    private SieveCommandNode? ParseCommand(int depth)
    {
        var name = Consume();
        if (!TryParseArguments(depth, out var arguments, out var tests, out var hasTestList))
        {
            Recover(depth);
            return null;
        }

        if (Current.Kind == TokenKind.Semicolon)
        {
            Consume();
            return new SieveCommandNode(name.Text, name.Position, arguments, tests, hasTestList, null);
        }

        if (Current.Kind == TokenKind.LeftBrace)
        {
            var open = Consume();
            if (depth + 1 > _maxNesting)
            {
                Error(open.Position, $"blocks are nested too deeply: at most {_maxNesting} levels are allowed");
                SkipBalanced();
                return null;
            }

            var block = ParseCommands(depth + 1);
            if (Current.Kind != TokenKind.RightBrace)
            {
                Error(Current.Position, $"unexpected {Current.Describe()}: expected '}}' to close the block opened at {open.Position}");
                return new SieveCommandNode(name.Text, name.Position, arguments, tests, hasTestList, block);
            }

            Consume();
            return new SieveCommandNode(name.Text, name.Position, arguments, tests, hasTestList, block);
        }

        Error(Current.Position, $"unexpected {Current.Describe()} after command '{name.Text}': expected ';' or a block '{{'");
        Recover(depth);
        return null;
    }

    private bool TryParseArguments(int depth, out List<SieveArgument> arguments, out List<SieveTestNode> tests, out bool hasTestList)
    {
        arguments = [];
        tests = [];
        hasTestList = false;
        while (true)
        {
            var token = Current;
            switch (token.Kind)
            {
                case TokenKind.Tag:
                    Consume();
                    arguments.Add(new SieveTagArgument(token.Text, token.Position));
                    continue;
                case TokenKind.Number:
                    Consume();
                    arguments.Add(new SieveNumberArgument(token.Number, token.Position));
                    continue;
                case TokenKind.QuotedString or TokenKind.MultiLineString:
                    Consume();
                    arguments.Add(new SieveStringListArgument([Literal(token)], false, token.Position));
                    continue;
                case TokenKind.LeftBracket:
                    var list = ParseStringList();
                    if (list is null)
                    {
                        return false;
                    }

                    arguments.Add(list);
                    continue;
                case TokenKind.Identifier:
                    var test = ParseTest(depth + 1);
                    if (test is null)
                    {
                        return false;
                    }

                    tests.Add(test);
                    return true;
                case TokenKind.LeftParen:
                    hasTestList = true;
                    return TryParseTestList(depth + 1, tests);
                default:
                    return true;
            }
        }
    }

    private static SieveStringLiteral Literal(Token token) =>
        new(token.Text, token.Position, token.Kind == TokenKind.MultiLineString);

    private SieveStringListArgument? ParseStringList()
    {
        var open = Consume();
        var items = new List<SieveStringLiteral>();
        while (true)
        {
            if (Current.Kind is not (TokenKind.QuotedString or TokenKind.MultiLineString))
            {
                Error(Current.Position, $"unexpected {Current.Describe()} in string list opened at {open.Position}: expected a string");
                return null;
            }

            items.Add(Literal(Consume()));
            if (Current.Kind == TokenKind.Comma)
            {
                Consume();
                continue;
            }

            if (Current.Kind == TokenKind.RightBracket)
            {
                Consume();
                return new SieveStringListArgument(items, true, open.Position);
            }

            Error(Current.Position, $"unexpected {Current.Describe()} in string list opened at {open.Position}: expected ',' or ']'");
            return null;
        }
    }

    private SieveTestNode? ParseTest(int depth)
    {
        var name = Consume();
        if (depth > _maxNesting)
        {
            Error(name.Position, $"tests are nested too deeply: at most {_maxNesting} levels are allowed");
            return null;
        }

        if (!TryParseArguments(depth, out var arguments, out var tests, out var hasTestList))
        {
            return null;
        }

        return new SieveTestNode(name.Text, name.Position, arguments, tests, hasTestList);
    }

    private bool TryParseTestList(int depth, List<SieveTestNode> tests)
    {
        var open = Consume();
        if (depth > _maxNesting)
        {
            Error(open.Position, $"tests are nested too deeply: at most {_maxNesting} levels are allowed");
            return false;
        }

        while (true)
        {
            if (Current.Kind != TokenKind.Identifier)
            {
                Error(Current.Position, $"unexpected {Current.Describe()} in test list opened at {open.Position}: expected a test name");
                return false;
            }

            var test = ParseTest(depth);
            if (test is null)
            {
                return false;
            }

            tests.Add(test);
            if (Current.Kind == TokenKind.Comma)
            {
                Consume();
                continue;
            }

            if (Current.Kind == TokenKind.RightParen)
            {
                Consume();
                return true;
            }

            Error(Current.Position, $"unexpected {Current.Describe()} in test list opened at {open.Position}: expected ',' or ')'");
            return false;
        }
    }

    // Error recovery: skip to the end of the broken command (';' at this level, or a block,
    // which is skipped whole) without consuming the '}' that closes the enclosing block.
    private void Recover(int depth)
    {
        while (true)
        {
            switch (Current.Kind)
            {
                case TokenKind.EndOfInput:
                    return;
                case TokenKind.Semicolon:
                    Consume();
                    return;
                case TokenKind.RightBrace:
                    if (depth == 0)
                    {
                        Consume();
                        continue;
                    }

                    return;
                case TokenKind.LeftBrace:
                    Consume();
                    SkipBalanced();
                    return;
                default:
                    Consume();
                    continue;
            }
        }
    }

    private void SkipBalanced()
    {
        var level = 1;
        while (level > 0 && Current.Kind != TokenKind.EndOfInput)
        {
            var kind = Consume().Kind;
            if (kind == TokenKind.LeftBrace)
            {
                level++;
            }
            else if (kind == TokenKind.RightBrace)
            {
                level--;
            }
        }
    }

    private void SkipToEnd() => _index = _tokens.Count - 1;
}
