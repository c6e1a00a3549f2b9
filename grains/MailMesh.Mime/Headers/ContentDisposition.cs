using System.Text;

namespace MailMesh.Mime.Headers;

/// <summary>A parsed Content-Disposition field (RFC 2183 with RFC 2231 parameters).</summary>
public sealed class ContentDisposition
{
    /// <summary>Creates a disposition ("inline" or "attachment").</summary>
    public ContentDisposition(string disposition)
    {
        Disposition = disposition;
    }

    /// <summary>The disposition, lower-case.</summary>
    public string Disposition { get; set; }

    /// <summary>Parameters in order.</summary>
    public ParameterList Parameters { get; private init; } = [];

    /// <summary>True for "attachment" (and anything that is not "inline").</summary>
    public bool IsAttachment => !string.Equals(Disposition, "inline", StringComparison.OrdinalIgnoreCase);

    /// <summary>The filename parameter (RFC 2231 and RFC 2047 forms decoded).</summary>
    public string? FileName
    {
        get => Parameters["filename"];
        set => Parameters["filename"] = value;
    }

    /// <summary>Parses a field value; never throws.</summary>
    public static ContentDisposition Parse(string value)
    {
        var pos = 0;
        ContentType.SkipCfws(value, ref pos);
        var start = pos;
        while (pos < value.Length && value[pos] != ';' && !char.IsWhiteSpace(value[pos]))
        {
            pos++;
        }

        var disposition = value[start..pos].ToLowerInvariant();
        while (pos < value.Length && value[pos] != ';')
        {
            pos++;
        }

        return new ContentDisposition(disposition.Length == 0 ? "attachment" : disposition) { Parameters = ParameterList.Parse(value, pos) };
    }

    /// <summary>Formats the field value.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder(Disposition);
        Parameters.AppendTo(sb);
        return sb.ToString();
    }
}
