using MailMesh.Mime.Encodings;
using MailMesh.Mime.Headers;

namespace MailMesh.Mime;

/// <summary>A multipart entity: preamble, children separated by boundaries, epilogue.</summary>
public sealed class Multipart : MimeEntity
{
    // The children as parsed, each with the delimiter line before it (one list: one allocation less per multipart).
    private readonly List<(MimeEntity Child, ReadOnlyMemory<byte> Delimiter)> _parsed = [];

    /// <summary>Creates a multipart (used by the parser and by builders).</summary>
    public Multipart(HeaderList headers, ContentType contentType)
        : base(headers, contentType)
    {
        Boundary = contentType.Boundary ?? string.Empty;
    }

    /// <summary>The boundary string (without the leading dashes).</summary>
    public string Boundary { get; }

    /// <summary>The child entities in order. Adding or removing children makes the writer regenerate their delimiters.</summary>
    public List<MimeEntity> Children { get; } = [];

    /// <summary>The raw bytes before the first delimiter.</summary>
    public ReadOnlyMemory<byte> RawPreamble { get; internal set; }

    /// <summary>The raw bytes after the closing delimiter.</summary>
    public ReadOnlyMemory<byte> RawEpilogue { get; internal set; }

    /// <summary>The raw closing delimiter (with its preceding line break), empty when the input lacked one.</summary>
    public ReadOnlyMemory<byte> RawCloseDelimiter { get; internal set; }

    /// <summary>True when the input ended the multipart without a closing delimiter (repaired).</summary>
    public bool MissingCloseDelimiter { get; internal set; }

    /// <summary>The preamble as text.</summary>
    public string Preamble => Charsets.DecodeRaw(RawPreamble.Span);

    /// <summary>The epilogue as text.</summary>
    public string Epilogue => Charsets.DecodeRaw(RawEpilogue.Span);

    /// <inheritdoc />
    public override long EndOffset => EpilogueEnd;

    internal long EpilogueEnd { get; set; } = -1;

    internal void AddParsed(MimeEntity child, ReadOnlyMemory<byte> rawDelimiter)
    {
        Children.Add(child);
        _parsed.Add((child, rawDelimiter));
    }

    /// <summary>The parsed delimiter for the child at an index, when the child list is unchanged there.</summary>
    internal bool TryGetRawDelimiter(int index, out ReadOnlyMemory<byte> delimiter)
    {
        if (index < _parsed.Count && index < Children.Count && ReferenceEquals(_parsed[index].Child, Children[index]))
        {
            delimiter = _parsed[index].Delimiter;
            return true;
        }

        delimiter = default;
        return false;
    }

    /// <summary>True when the parsed children list is unchanged (so the raw closing delimiter still applies).</summary>
    internal bool ChildrenUnchanged
    {
        get
        {
            if (_parsed.Count != Children.Count)
            {
                return false;
            }

            for (var i = 0; i < Children.Count; i++)
            {
                if (!ReferenceEquals(_parsed[i].Child, Children[i]))
                {
                    return false;
                }
            }

            return true;
        }
    }
}
