using System.Text;
using MailMesh.Sieve.Parsing;

namespace MailMesh.Sieve.Interpretation;

public sealed partial class SieveRuntime
{
    private Dictionary<string, string>? _globals;
    private List<string> _matchValues = [];
    private List<string>? _captureScratch;

    // A list the matcher fills with the captures of the match it is trying (cleared first).
    internal List<string> CaptureScratch()
    {
        var list = _captureScratch ??= [];
        list.Clear();
        return list;
    }

    /// <summary>The value of a string argument, variables expanded.</summary>
    public string GetString(SieveArgument argument) => argument switch
    {
        SieveStringListArgument { Items.Count: > 0 } list => Expand(list.Items[0]),
        SieveNumberArgument number => number.Value.ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => string.Empty,
    };

    /// <summary>The values of a string-list argument, variables expanded.</summary>
    public IReadOnlyList<string> GetStrings(SieveArgument argument)
    {
        if (argument is not SieveStringListArgument list)
        {
            return [GetString(argument)];
        }

        if (list.ConstantValues is { } constant)
        {
            return constant;
        }

        var values = new string[list.Items.Count];
        var hasVariables = false;
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = Expand(list.Items[i]);
            hasVariables |= list.Items[i].HasVariables;
        }

        if (!hasVariables)
        {
            // Compiled scripts do not change: a list without variables is the same at every run.
            list.ConstantValues = values;
        }

        return values;
    }

    /// <summary>The value of a number argument.</summary>
    public static long GetNumber(SieveArgument argument) => argument is SieveNumberArgument number ? number.Value : 0;

    /// <summary>A literal's value with <c>${...}</c> references expanded (when the variables extension is in use).</summary>
    public string Expand(SieveStringLiteral literal) => literal.HasVariables ? Expand(literal.Value) : literal.Value;

    /// <summary>Expands <c>${name}</c>, <c>${N}</c> and <c>${namespace.name}</c> in <paramref name="text"/>; unknown variables are empty.</summary>
    public string Expand(string text)
    {
        var start = text.IndexOf("${", StringComparison.Ordinal);
        if (start < 0)
        {
            return text;
        }

        var output = new StringBuilder(text.Length);
        var i = 0;
        while (start >= 0)
        {
            output.Append(text, i, start - i);
            var end = start + 2;
            while (end < text.Length && (char.IsAsciiLetterOrDigit(text[end]) || text[end] is '_' or '.'))
            {
                end++;
            }

            var name = text.AsSpan(start + 2, end - start - 2);
            if (end < text.Length && text[end] == '}' && IsVariableReference(name))
            {
                output.Append(ReadVariable(name.ToString()));
                i = end + 1;
            }
            else
            {
                output.Append("${");
                i = start + 2;
            }

            start = text.IndexOf("${", i, StringComparison.Ordinal);
        }

        output.Append(text, i, text.Length - i);
        return output.ToString();
    }

    private static bool IsVariableReference(ReadOnlySpan<char> name)
    {
        if (name.IsEmpty)
        {
            return false;
        }

        if (char.IsAsciiDigit(name[0]))
        {
            foreach (var c in name)
            {
                if (!char.IsAsciiDigit(c))
                {
                    return false;
                }
            }

            return true;
        }

        foreach (var part in name.ToString().Split('.'))
        {
            if (part.Length == 0 || char.IsAsciiDigit(part[0]))
            {
                return false;
            }
        }

        return true;
    }

    private string ReadVariable(string name)
    {
        if (char.IsAsciiDigit(name[0]))
        {
            var trimmed = name.TrimStart('0');
            if (trimmed.Length == 0)
            {
                return _matchValues.Count > 0 ? _matchValues[0] : string.Empty;
            }

            return trimmed.Length <= 3 && int.TryParse(trimmed, out var index) && index < _matchValues.Count ? _matchValues[index] : string.Empty;
        }

        return GetVariable(name) ?? string.Empty;
    }

    /// <summary>Sets the match variables <c>${0}</c>.. after a successful :matches or :regex.</summary>
    public void SetMatchValues(IReadOnlyList<string> values)
    {
        var count = Math.Min(values.Count, Limits.MaxMatchValues + 1);
        _matchValues = new List<string>(count);
        for (var i = 0; i < count; i++)
        {
            _matchValues.Add(Truncate(values[i]));
        }
    }

    /// <summary>The value of a variable, or null when never set. Handles the <c>global.</c> namespace and <c>global</c> declarations.</summary>
    public string? GetVariable(string name)
    {
        var (scope, key) = Resolve(name);
        return scope?.GetValueOrDefault(key);
    }

    /// <summary>Sets a variable (value truncated to the size limit).</summary>
    public void SetVariable(string name, string value, SourcePosition position = default)
    {
        var (scope, key) = Resolve(name);
        if (scope is null)
        {
            throw Fail($"cannot set variable '{name}': unknown namespace", position);
        }

        if (!scope.ContainsKey(key) && scope.Count >= Limits.MaxVariables)
        {
            throw Fail($"too many variables: the limit is {Limits.MaxVariables} per scope", position);
        }

        scope[key] = Truncate(value);
    }

    /// <summary>Declares <paramref name="name"/> global in the running script (RFC 6609 <c>global</c>).</summary>
    public void DeclareGlobal(string name) => Frame.Globals.Add(name);

    private (Dictionary<string, string>? Scope, string Key) Resolve(string name)
    {
        if (name.StartsWith("global.", StringComparison.OrdinalIgnoreCase))
        {
            return (Globals(), name[7..]);
        }

        if (name.Contains('.', StringComparison.Ordinal))
        {
            return (null, name);
        }

        return Frame.IsGlobal(name) ? (Globals(), name) : (Frame.Locals, name);
    }

    private Dictionary<string, string> Globals() => _globals ??= new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    // The limit counts UTF-8 bytes; a character that would cross it is dropped whole.
    internal string Truncate(string value)
    {
        var limit = Limits.MaxVariableSize;
        if (value.Length * 3 <= limit || Encoding.UTF8.GetByteCount(value) <= limit)
        {
            return value;
        }

        var bytes = 0;
        var index = 0;
        foreach (var rune in value.EnumerateRunes())
        {
            if (bytes + rune.Utf8SequenceLength > limit)
            {
                break;
            }

            bytes += rune.Utf8SequenceLength;
            index += rune.Utf16SequenceLength;
        }

        return value[..index];
    }
}
