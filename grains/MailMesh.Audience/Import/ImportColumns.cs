using MailMesh.Grains.Contacts;

namespace MailMesh.Audience.Import;

/// <summary>What each column of an import file feeds: the address, lists, consent time and IP, or an attribute.</summary>
internal sealed class ImportColumns
{
    private static readonly HashSet<string> EmailAliases = new(StringComparer.Ordinal)
    {
        "email", "e_mail", "email_address", "e_mail_address", "mail", "courriel", "address",
    };

    private ImportColumns(IReadOnlyList<string> headers) => Headers = headers;

    public IReadOnlyList<string> Headers { get; }

    public int Email { get; private set; } = -1;

    public int Lists { get; private set; } = -1;

    public int ConsentAt { get; private set; } = -1;

    public int ConsentIp { get; private set; } = -1;

    public List<(int Index, AttributeDefinition Definition)> Attributes { get; } = [];

    /// <summary>Unknown columns that are ignored (reported once as warnings on the header).</summary>
    public List<int> Ignored { get; } = [];

    /// <summary>Maps the header; throws <see cref="InvalidDataException"/> saying which column is wrong and how to fix it.</summary>
    public static ImportColumns Resolve(IReadOnlyList<string> headers, ImportDefinition definition, AttributeSchema schema)
    {
        var columns = new ImportColumns(headers);
        var mapping = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (header, target) in definition.Mapping ?? new Dictionary<string, string>())
        {
            mapping[header.Trim()] = target.Trim();
        }

        var missing = mapping.Keys.FirstOrDefault(m => !headers.Contains(m, StringComparer.OrdinalIgnoreCase));
        if (missing is not null)
        {
            throw new InvalidDataException($"the mapping names column '{missing}', which the header does not have (it has: {string.Join(", ", headers.Select(h => $"'{h}'"))})");
        }

        var used = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < headers.Count; i++)
        {
            var header = headers[i];
            var explicitTarget = mapping.Remove(header, out var given);
            var target = explicitTarget ? given! : Normalize(header);
            if (!explicitTarget && EmailAliases.Contains(target))
            {
                target = "email";
            }

            if (target == "ignore" || (header.Length == 0 && !explicitTarget))
            {
                continue;
            }

            if (used.TryGetValue(target, out var earlier))
            {
                throw new InvalidDataException(
                    $"columns {earlier + 1} ('{headers[earlier]}') and {i + 1} ('{header}') both map to '{target}'; map one of them to another target or to 'ignore'");
            }

            used[target] = i;
            switch (target)
            {
                case "email":
                    columns.Email = i;
                    break;
                case "lists":
                    columns.Lists = i;
                    break;
                case "consent_at":
                    columns.ConsentAt = i;
                    break;
                case "consent_ip":
                    columns.ConsentIp = i;
                    break;
                default:
                    if (schema.Find(target) is { } attribute)
                    {
                        columns.Attributes.Add((i, attribute));
                    }
                    else if (explicitTarget || !definition.IgnoreUnknownColumns)
                    {
                        throw new InvalidDataException(
                            $"column {i + 1} ('{header}') maps to '{target}', which is not an attribute of the tenant's schema; define the attribute, map the column to one (e.g. \"{header}=first_name\") or to 'ignore'"
                            + (explicitTarget ? "" : ", or ignore unknown columns"));
                    }
                    else
                    {
                        columns.Ignored.Add(i);
                    }

                    break;
            }
        }

        if (columns.Email < 0)
        {
            throw new InvalidDataException(
                $"no column holds the e-mail address (the header has: {string.Join(", ", headers.Select(h => $"'{h}'"))}); name it 'email' or map a column to 'email'");
        }

        return columns;
    }

    /// <summary>A header as an attribute name: trimmed, lower case, spaces and '-' as '_'.</summary>
    public static string Normalize(string header) =>
        string.Concat(header.Trim().ToLowerInvariant().Select(c => c is ' ' or '-' ? '_' : c));
}
