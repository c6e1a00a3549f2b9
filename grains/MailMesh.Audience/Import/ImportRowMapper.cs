using System.Globalization;
using MailMesh.Grains.Contacts;

namespace MailMesh.Audience.Import;

/// <summary>A row turned into a contact change, or refused.</summary>
/// <param name="Row">The row.</param>
/// <param name="Address">Normalized address (null when refused for its address).</param>
/// <param name="Change">The change (null when refused).</param>
/// <param name="Issues">Errors (then no change) and warnings.</param>
internal sealed record MappedRow(long Row, string? Address, ContactChange? Change, List<ImportIssue> Issues);

/// <summary>Turns records into contact changes: every cell is checked before the row is accepted, so a row is applied
/// whole or not at all.</summary>
internal sealed class ImportRowMapper(ImportColumns columns, ImportDefinition definition, string importId, DateTimeOffset now)
{
    private readonly string _source = definition.ConsentSource ?? "import:" + definition.FileName;

    public MappedRow Map(ImportRecord record)
    {
        var issues = new List<ImportIssue>();
        var rawAddress = record.Fields[columns.Email];
        if (record.Problem is not null)
        {
            issues.Add(new ImportIssue(record.Row, null, "error", record.Problem, rawAddress));
            return new MappedRow(record.Row, null, null, issues);
        }

        var check = ContactAddress.Check(rawAddress);
        if (!check.IsValid)
        {
            issues.Add(new ImportIssue(record.Row, columns.Headers[columns.Email], "error", check.Error!, rawAddress));
            return new MappedRow(record.Row, null, null, issues);
        }

        var address = check.Normalized!;
        if (check.Suggestion is not null)
        {
            issues.Add(new ImportIssue(record.Row, columns.Headers[columns.Email], "warning", $"the domain looks like a typo; did you mean {check.Suggestion}?", address));
        }

        if (check.RoleAddress)
        {
            issues.Add(new ImportIssue(record.Row, columns.Headers[columns.Email], "warning", "role address (a function, not a person)", address));
        }

        var attributes = new Dictionary<string, AttributeValue?>(StringComparer.Ordinal);
        foreach (var (index, attribute) in columns.Attributes)
        {
            if (record.Fields[index] is not { } text || string.IsNullOrWhiteSpace(text))
            {
                continue;
            }

            if (AttributeParsing.TryParse(text, attribute.Type, out var error) is { } value)
            {
                attributes[attribute.Name] = value;
            }
            else
            {
                issues.Add(new ImportIssue(record.Row, columns.Headers[index], "error", $"attribute '{attribute.Name}': {error}", address));
            }
        }

        var lists = new List<string>(definition.Lists ?? []);
        if (columns.Lists >= 0 && record.Fields[columns.Lists] is { } listText)
        {
            foreach (var list in listText.Split([';', '|', ','], StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (AttributeParsing.ListNameProblem(list) is { } problem)
                {
                    issues.Add(new ImportIssue(record.Row, columns.Headers[columns.Lists], "error", problem, address));
                }
                else if (!lists.Contains(list))
                {
                    lists.Add(list);
                }
            }
        }

        var consent = Consent(record, address, issues);
        if (issues.Any(i => i.Severity == "error"))
        {
            return new MappedRow(record.Row, address, null, issues);
        }

        return new MappedRow(record.Row, address, new ContactChange(attributes, lists, null, consent, "import:" + importId), issues);
    }

    private ConsentEntry[]? Consent(ImportRecord record, string address, List<ImportIssue> issues)
    {
        if (definition.ConsentPurpose is null)
        {
            return null;
        }

        var at = now;
        if (columns.ConsentAt >= 0 && record.Fields[columns.ConsentAt] is { } atText)
        {
            if (AttributeParsing.TryParse(atText, AttributeType.Date, out var error) is { } value)
            {
                at = value.Date!.Value;
            }
            else
            {
                issues.Add(new ImportIssue(record.Row, columns.Headers[columns.ConsentAt], "error", "consent time: " + error, address));
            }
        }

        string? ip = null;
        if (columns.ConsentIp >= 0 && record.Fields[columns.ConsentIp] is { } ipText)
        {
            if (System.Net.IPAddress.TryParse(ipText.Trim(), out var parsed))
            {
                ip = parsed.ToString();
            }
            else
            {
                issues.Add(new ImportIssue(record.Row, columns.Headers[columns.ConsentIp], "error", $"consent IP '{ipText}' is not an IP address", address));
            }
        }

        var id = string.Create(CultureInfo.InvariantCulture, $"import:{importId}:{record.Row}");
        return [new ConsentEntry(id, definition.ConsentPurpose, ConsentAction.Granted, at, _source, definition.ConsentForm, ip)];
    }
}
