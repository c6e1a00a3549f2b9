namespace MailMesh.Mime.Tests.Conformance;

/// <summary>Reads pecl-mailparse .exp dumps: "Part 1.2" sections of "key => type(len) value" lines.</summary>
internal static class PeclExp
{
    public static List<(string Part, Dictionary<string, string> Fields)> Parse(string text)
    {
        var result = new List<(string, Dictionary<string, string>)>();
        Dictionary<string, string>? current = null;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.StartsWith("Part ", StringComparison.Ordinal))
            {
                current = new Dictionary<string, string>(StringComparer.Ordinal);
                result.Add((line[5..].Trim(), current));
                continue;
            }

            var arrow = line.IndexOf(" => ", StringComparison.Ordinal);
            if (current is null || arrow < 0)
            {
                continue;
            }

            var key = line[..arrow];
            var value = line[(arrow + 4)..];
            if (value.StartsWith("int(", StringComparison.Ordinal))
            {
                value = value[4..^1];
            }
            else if (value.StartsWith("string(", StringComparison.Ordinal))
            {
                var q = value.IndexOf('"', StringComparison.Ordinal);
                value = q >= 0 && value.EndsWith('"') ? value[(q + 1)..^1] : value;
            }

            current[key] = value;
        }

        return result;
    }
}
