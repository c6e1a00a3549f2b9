using System.Text;
using MailMesh.Mime;
using MailMesh.Sieve.Messages;

namespace MailMesh.Rules.Messages;

/// <summary>
/// Writes the header a script left after editheader (RFC 5293) into the raw message: fields the script kept keep their
/// original bytes (folding and all), deleted ones go, added ones are written as <c>Name: value</c> (folded at white
/// space), and the body follows byte for byte. Kept fields are found by aligning the original fields with the edited
/// list (longest common subsequence), which is exact for what editheader can do: add at the top or the end, delete.
/// </summary>
public static class HeaderEdits
{
    private const int FoldAt = 78;

    /// <summary>The message <paramref name="raw"/> with its top-level header replaced by <paramref name="edited"/>.</summary>
    /// <param name="raw">The original message.</param>
    /// <param name="edited">The fields after the script (<see cref="MailMesh.Sieve.Interpretation.SieveResult.EditedHeaders"/>).</param>
    /// <param name="hostFields">Fields the host showed the script but the message does not have (e.g. the computed spam
    /// score); they are left out.</param>
    /// <exception cref="MimeFormatException">The message cannot be parsed.</exception>
    public static byte[] Apply(ReadOnlyMemory<byte> raw, IReadOnlyList<SieveHeader> edited, IReadOnlySet<string>? hostFields = null)
    {
        ArgumentNullException.ThrowIfNull(edited);
        using var message = MimeMessage.Parse(raw);
        var original = message.Headers.Where(h => !h.IsInvalid).ToList();
        var wanted = edited.Where(f => hostFields?.Contains(f.Name) != true).ToList();
        var n = original.Count;
        var m = wanted.Count;
        var common = new int[n + 1, m + 1];
        for (var i = n - 1; i >= 0; i--)
        {
            for (var j = m - 1; j >= 0; j--)
            {
                common[i, j] = Same(original[i], wanted[j]) ? common[i + 1, j + 1] + 1 : Math.Max(common[i + 1, j], common[i, j + 1]);
            }
        }

        using var output = new MemoryStream(raw.Length + 256);
        int a = 0, b = 0;
        while (b < m)
        {
            if (a < n && Same(original[a], wanted[b]) && common[a, b] == common[a + 1, b + 1] + 1)
            {
                output.Write(original[a].RawField.Span);
                a++;
                b++;
            }
            else if (a < n && common[a + 1, b] >= common[a, b + 1])
            {
                a++; // deleted by the script
            }
            else
            {
                Write(output, wanted[b]);
                b++;
            }
        }

        output.Write("\r\n"u8);
        var bodyStart = (int)Math.Clamp(message.Body.BodyOffset, 0, raw.Length);
        output.Write(raw.Span[bodyStart..]);
        return output.ToArray();
    }

    private static bool Same(MailMesh.Mime.Headers.Header header, SieveHeader field) =>
        header.Name.Equals(field.Name, StringComparison.OrdinalIgnoreCase) && header.RawText == field.Value;

    private static void Write(Stream output, SieveHeader field)
    {
        var line = new StringBuilder(field.Name.Length + field.Value.Length + 4).Append(field.Name).Append(": ");
        var column = line.Length;
        var first = true;
        foreach (var word in field.Value.Split(' '))
        {
            if (!first && column + 1 + word.Length > FoldAt)
            {
                line.Append("\r\n ");
                column = 1;
            }
            else if (!first)
            {
                line.Append(' ');
                column++;
            }

            line.Append(word);
            column += word.Length;
            first = false;
        }

        output.Write(Encoding.UTF8.GetBytes(line.Append("\r\n").ToString()));
    }
}
