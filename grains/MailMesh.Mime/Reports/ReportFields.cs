using System.Text;
using MailMesh.Mime.Encodings;

namespace MailMesh.Mime.Reports;

/// <summary>One "Name: value" field of a report block (unfolded, value trimmed).</summary>
/// <param name="Name">Field name.</param>
/// <param name="Value">Field value.</param>
public sealed record ReportField(string Name, string Value);

/// <summary>A block of report fields (a DSN per-message or per-recipient group, or an ARF report).</summary>
public sealed class ReportFieldGroup : List<ReportField>
{
    /// <summary>The first value of a field, or null.</summary>
    public string? this[string name] => Find(f => string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase))?.Value;

    /// <summary>All values of a field, in order.</summary>
    public IEnumerable<string> All(string name) =>
        this.Where(f => string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase)).Select(f => f.Value);

    /// <summary>Splits a typed value "rfc822; user@example.com" into its type and value.</summary>
    public static (string? Type, string Value) SplitTyped(string? value)
    {
        if (value is null)
        {
            return (null, string.Empty);
        }

        var semi = value.IndexOf(';', StringComparison.Ordinal);
        return semi < 0 ? (null, value.Trim()) : (value[..semi].Trim(), value[(semi + 1)..].Trim());
    }

    /// <summary>Parses blocks of header-like fields separated by blank lines (lenient: junk lines are skipped).</summary>
    public static List<ReportFieldGroup> ParseGroups(ReadOnlySpan<byte> content)
    {
        var text = Charsets.DecodeRaw(content);
        var groups = new List<ReportFieldGroup>();
        var current = new ReportFieldGroup();
        string? name = null;
        var value = new StringBuilder();
        foreach (var rawLine in text.Split('\n'))
        {
            var line = rawLine.TrimEnd('\r');
            if (line.Trim().Length == 0)
            {
                Finish();
                if (current.Count > 0)
                {
                    groups.Add(current);
                    current = [];
                }

                continue;
            }

            if ((line[0] == ' ' || line[0] == '\t') && name is not null)
            {
                value.Append(' ').Append(line.Trim());
                continue;
            }

            Finish();
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && line.AsSpan(0, colon).IndexOfAny(" \t") < 0)
            {
                name = line[..colon];
                value.Append(line[(colon + 1)..].Trim());
            }
        }

        Finish();
        if (current.Count > 0)
        {
            groups.Add(current);
        }

        return groups;

        void Finish()
        {
            if (name is not null)
            {
                current.Add(new ReportField(name, value.ToString().Trim()));
            }

            name = null;
            value.Clear();
        }
    }
}
