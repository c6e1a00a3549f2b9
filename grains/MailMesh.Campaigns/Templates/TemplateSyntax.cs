using MailMesh.Grains.Campaigns;

namespace MailMesh.Campaigns.Templates;

/// <summary>A structural check of one template part before Handlebars compiles it: unclosed tags and comments, block
/// open/close balance, partials (not supported) and helper names, each reported with its 1-based line and column.
/// Handlebars.Net reports most of these without a position, so this scan runs first.</summary>
internal static class TemplateSyntax
{
    private static readonly HashSet<string> BuiltInBlocks = new(StringComparer.Ordinal) { "if", "unless", "each", "with" };

    /// <summary>The problems of <paramref name="source"/> (part <paramref name="part"/>), in order; empty when none.</summary>
    public static List<TemplateDiagnostic> Check(string part, string source, IReadOnlySet<string> helpers)
    {
        var problems = new List<TemplateDiagnostic>();
        var blocks = new Stack<(string Name, int Line, int Column)>();
        var at = 0;
        while ((at = source.IndexOf("{{", at, StringComparison.Ordinal)) >= 0)
        {
            var (line, column) = Position(source, at);
            TemplateDiagnostic Problem(string message) => new(part, line, column, message);
            if (string.CompareOrdinal(source, at, "{{{{", 0, 4) == 0)
            {
                problems.Add(Problem("raw blocks ('{{{{') are not supported"));
                return problems;
            }

            if (string.CompareOrdinal(source, at, "{{!--", 0, 5) == 0 || string.CompareOrdinal(source, at, "{{~!--", 0, 6) == 0)
            {
                var end = source.IndexOf("--", at + 5, StringComparison.Ordinal);
                end = end < 0 ? -1 : source.IndexOf("}}", end, StringComparison.Ordinal);
                if (end < 0)
                {
                    problems.Add(Problem("the comment '{{!--' is never closed (expected '--}}')"));
                    return problems;
                }

                at = end + 2;
                continue;
            }

            var triple = at + 2 < source.Length && source[at + 2] == '{';
            var close = triple ? "}}}" : "}}";
            var closeAt = source.IndexOf(close, at + close.Length, StringComparison.Ordinal);
            if (closeAt < 0)
            {
                problems.Add(Problem($"the expression '{Excerpt(source, at)}' is never closed (expected '{close}')"));
                return problems;
            }

            var content = source.AsSpan(at + close.Length, closeAt - at - close.Length).Trim().Trim('~').Trim().ToString();
            at = closeAt + close.Length;
            if (content.Length == 0)
            {
                problems.Add(Problem("an empty expression '{{}}'"));
                continue;
            }

            switch (content[0])
            {
                case '!':
                    continue;
                case '>':
                    problems.Add(Problem($"partials ('{{{{{content}}}}}') are not supported"));
                    continue;
                case '#' or '^' when content.Length > 1:
                    {
                        if (content[1] is '*' or '>')
                        {
                            problems.Add(Problem($"decorators and partial blocks ('{{{{{content}}}}}') are not supported"));
                            continue;
                        }

                        var name = FirstWord(content.AsSpan(1));
                        if (content[0] == '#' && !BuiltInBlocks.Contains(name))
                        {
                            problems.Add(Problem($"unknown block helper '#{name}' (known: {string.Join(", ", BuiltInBlocks.Order(StringComparer.Ordinal))})"));
                        }

                        CheckSubexpressions(content.AsSpan(1 + name.Length), helpers, Problem, problems);
                        blocks.Push((name, line, column));
                        continue;
                    }

                case '/':
                    {
                        var name = FirstWord(content.AsSpan(1));
                        if (blocks.Count == 0)
                        {
                            problems.Add(Problem($"'{{{{/{name}}}}}' closes a block that was never opened"));
                        }
                        else if (!string.Equals(blocks.Peek().Name, name, StringComparison.Ordinal))
                        {
                            var open = blocks.Pop();
                            problems.Add(Problem($"'{{{{/{name}}}}}' closes '{{{{#{open.Name}}}}}' opened at {open.Line}:{open.Column} (expected '{{{{/{open.Name}}}}}')"));
                        }
                        else
                        {
                            blocks.Pop();
                        }

                        continue;
                    }

                default:
                    break;
            }

            if (content == "else" || content == "^" || content.StartsWith("else ", StringComparison.Ordinal))
            {
                if (blocks.Count == 0)
                {
                    problems.Add(Problem("'{{else}}' outside a block"));
                }

                continue;
            }

            var words = Words(content);
            if (words.Count > 1 && !helpers.Contains(words[0]))
            {
                problems.Add(Problem($"unknown helper '{words[0]}' (known: {string.Join(", ", helpers.Order(StringComparer.Ordinal))})"));
            }

            CheckSubexpressions(content, helpers, Problem, problems);
        }

        foreach (var open in blocks.Reverse())
        {
            problems.Add(new TemplateDiagnostic(part, open.Line, open.Column, $"the block '{{{{#{open.Name}}}}}' is never closed (expected '{{{{/{open.Name}}}}}')"));
        }

        return problems;
    }

    /// <summary>1-based line and column of <paramref name="index"/>.</summary>
    public static (int Line, int Column) Position(string source, int index)
    {
        var line = 1;
        var lineStart = 0;
        for (var i = 0; i < index; i++)
        {
            if (source[i] == '\n')
            {
                line++;
                lineStart = i + 1;
            }
        }

        return (line, index - lineStart + 1);
    }

    private static void CheckSubexpressions(ReadOnlySpan<char> content, IReadOnlySet<string> helpers, Func<string, TemplateDiagnostic> problem, List<TemplateDiagnostic> problems)
    {
        var quote = '\0';
        for (var i = 0; i < content.Length; i++)
        {
            var c = content[i];
            if (quote != '\0')
            {
                quote = c == quote ? '\0' : quote;
            }
            else if (c is '"' or '\'')
            {
                quote = c;
            }
            else if (c == '(')
            {
                var name = FirstWord(content[(i + 1)..]);
                if (!helpers.Contains(name))
                {
                    problems.Add(problem($"unknown helper '{name}' in a subexpression (known: {string.Join(", ", helpers.Order(StringComparer.Ordinal))})"));
                }
            }
        }
    }

    private static string FirstWord(ReadOnlySpan<char> text)
    {
        text = text.TrimStart();
        var end = text.IndexOfAny(" \t\r\n()}");
        return (end < 0 ? text : text[..end]).ToString();
    }

    private static List<string> Words(string content)
    {
        var words = new List<string>();
        var quote = '\0';
        var depth = 0;
        var start = -1;
        for (var i = 0; i <= content.Length; i++)
        {
            var c = i < content.Length ? content[i] : ' ';
            if (quote != '\0')
            {
                quote = c == quote ? '\0' : quote;
                continue;
            }

            if (c is '"' or '\'')
            {
                quote = c;
                start = start < 0 ? i : start;
            }
            else if (c == '(')
            {
                depth++;
                start = start < 0 ? i : start;
            }
            else if (c == ')')
            {
                depth--;
            }
            else if (char.IsWhiteSpace(c) && depth == 0)
            {
                if (start >= 0)
                {
                    words.Add(content[start..i]);
                    start = -1;
                }
            }
            else
            {
                start = start < 0 ? i : start;
            }
        }

        return words;
    }

    private static string Excerpt(string source, int at)
    {
        var end = Math.Min(source.Length, at + 30);
        var newline = source.IndexOf('\n', at, end - at);
        return source[at..(newline < 0 ? end : newline)].TrimEnd();
    }
}
