namespace MailMesh.Blobs;

/// <summary>Blob names: 1–1024 characters, '/'-separated segments, none empty, '.' or '..', no backslash and
/// no control characters. The same names work in a directory and in Azure Blob Storage.</summary>
public static class BlobName
{
    /// <summary>Longest name.</summary>
    public const int MaxLength = 1024;

    /// <summary>Throws when <paramref name="name"/> is not a valid blob name.</summary>
    /// <exception cref="ArgumentException">What is wrong and where.</exception>
    public static void Validate(string name)
    {
        var problem = Check(name, allowEmpty: false);
        if (problem is not null)
        {
            throw new ArgumentException($"Invalid blob name '{name}': {problem}.", nameof(name));
        }
    }

    /// <summary>Throws when <paramref name="prefix"/> could not begin a valid name (empty is allowed).</summary>
    public static void ValidatePrefix(string prefix)
    {
        var problem = Check(prefix, allowEmpty: true);
        if (problem is not null)
        {
            throw new ArgumentException($"Invalid blob prefix '{prefix}': {problem}.", nameof(prefix));
        }
    }

    private static string? Check(string? name, bool allowEmpty)
    {
        if (string.IsNullOrEmpty(name))
        {
            return allowEmpty ? null : "it is empty";
        }

        if (name.Length > MaxLength)
        {
            return $"it is {name.Length} characters long; at most {MaxLength} are allowed";
        }

        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsControl(c) || c == '\\')
            {
                return $"character U+{(int)c:X4} at position {i} is not allowed";
            }
        }

        var segments = name.Split('/');
        for (var i = 0; i < segments.Length; i++)
        {
            var segment = segments[i];
            var isOpenEnd = allowEmpty && i == segments.Length - 1;
            if (segment.Length == 0 && !isOpenEnd)
            {
                return "it has an empty path segment (leading, trailing or doubled '/')";
            }

            if (segment is "." or "..")
            {
                return $"segment '{segment}' is not allowed";
            }
        }

        return null;
    }
}
