namespace MailMesh.Runtime;

/// <summary>The identity of a grain: its type (the grain interface's full name) and its string key.</summary>
/// <remarks>Keys are <c>tenant/rest</c>: the tenant is 1–63 characters of lower-case ASCII letters, digits
/// and '-', starting with a letter or digit; the rest is 1–400 characters with no control characters.
/// Use <see cref="Create"/> to validate.</remarks>
[Immutable]
public readonly record struct GrainId(string Type, string Key)
{
    /// <summary>The tenant part of the key (before the first '/').</summary>
    public string Tenant => Key[..Key.IndexOf('/', StringComparison.Ordinal)];

    /// <summary>Validates <paramref name="key"/> and returns the id.</summary>
    /// <exception cref="InvalidGrainKeyException">The key is malformed; the message says what and where.</exception>
    public static GrainId Create(string type, string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(type);
        var error = GrainKey.Validate(key);
        if (error is not null)
        {
            throw new InvalidGrainKeyException(type, key, error);
        }

        return new GrainId(type, key);
    }

    /// <inheritdoc />
    public override string ToString() => $"{Type}/{Key}";
}
