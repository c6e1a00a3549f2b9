namespace MailMesh.Runtime;

/// <summary>Syntax of event types: dot-separated lower-case words, e.g. <c>mailbox.created</c>.</summary>
public static class EventTypes
{
    /// <summary>Longest event type.</summary>
    public const int MaxLength = 100;

    /// <summary>Returns null when <paramref name="type"/> is well formed, otherwise what is wrong with it.</summary>
    public static string? Validate(string? type)
    {
        if (string.IsNullOrEmpty(type))
        {
            return "it is empty";
        }

        if (type.Length > MaxLength)
        {
            return $"it is {type.Length} characters long; at most {MaxLength} are allowed";
        }

        var wordStart = true;
        for (var i = 0; i < type.Length; i++)
        {
            var c = type[i];
            if (c == '.')
            {
                if (wordStart)
                {
                    return $"empty word before the '.' at position {i}";
                }

                wordStart = true;
                continue;
            }

            if (c is not ((>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_'))
            {
                return $"'{c}' at position {i}; use lower-case letters, digits, '-', '_' and '.'";
            }

            wordStart = false;
        }

        return wordStart ? "it ends with '.'" : null;
    }
}
