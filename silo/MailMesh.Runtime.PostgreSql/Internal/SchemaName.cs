namespace MailMesh.Runtime.PostgreSql.Internal;

/// <summary>Schema names are put into SQL text (quoted), so only a safe, simple form is accepted.</summary>
internal static class SchemaName
{
    // NOTIFY channel names (mailmesh_events_<schema>) must fit in 63 bytes.
    public const int MaxLength = 40;

    public static bool IsValid(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > MaxLength || name.StartsWith("pg_", StringComparison.Ordinal))
        {
            return false;
        }

        if (!(char.IsAsciiLetterLower(name[0]) || name[0] == '_'))
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_'))
            {
                return false;
            }
        }

        return true;
    }
}
