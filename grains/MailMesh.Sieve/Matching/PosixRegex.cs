using System.Text;

namespace MailMesh.Sieve.Matching;

/// <summary>Translates the POSIX extended regular expressions Sieve uses into .NET syntax (character classes).</summary>
internal static class PosixRegex
{
    private static readonly Dictionary<string, string> Classes = new(StringComparer.Ordinal)
    {
        ["alpha"] = "a-zA-Z",
        ["digit"] = "0-9",
        ["alnum"] = "a-zA-Z0-9",
        ["upper"] = "A-Z",
        ["lower"] = "a-z",
        ["space"] = " \\t\\r\\n\\v\\f",
        ["blank"] = " \\t",
        ["punct"] = "!-/:-@\\[-`{-~",
        ["xdigit"] = "0-9A-Fa-f",
        ["cntrl"] = "\\x00-\\x1f\\x7f",
        ["print"] = "\\x20-\\x7e",
        ["graph"] = "\\x21-\\x7e",
    };

    public static string Translate(string pattern)
    {
        if (!pattern.Contains("[:", StringComparison.Ordinal))
        {
            return pattern;
        }

        var builder = new StringBuilder(pattern.Length + 16);
        for (var i = 0; i < pattern.Length; i++)
        {
            if (pattern[i] == '[' && i + 1 < pattern.Length && pattern[i + 1] == ':')
            {
                var end = pattern.IndexOf(":]", i + 2, StringComparison.Ordinal);
                if (end > 0 && Classes.TryGetValue(pattern[(i + 2)..end], out var replacement))
                {
                    builder.Append(replacement);
                    i = end + 1;
                    continue;
                }
            }

            builder.Append(pattern[i]);
        }

        return builder.ToString();
    }
}

