using MailMesh.Mime.Headers;

namespace MailMesh.Mime;

/// <summary>A MIME entity: a header block and a body (leaf part, multipart, or embedded message).</summary>
public abstract class MimeEntity
{
    private ContentDisposition? _disposition;
    private bool _dispositionParsed;

    /// <summary>Creates an entity with its headers and parsed content type.</summary>
    protected MimeEntity(HeaderList headers, ContentType contentType)
    {
        Headers = headers;
        ContentType = contentType;
    }

    /// <summary>The entity's header fields.</summary>
    public HeaderList Headers { get; }

    /// <summary>
    /// The content type as parsed (text/plain, or message/rfc822 inside a digest, when absent or
    /// unusable). It is read once at parse time: replacing the Content-Type field in
    /// <see cref="Headers"/> changes the output, not this object or the entity's kind.
    /// </summary>
    public ContentType ContentType { get; }

    /// <summary>The Content-Disposition field, if any.</summary>
    public ContentDisposition? ContentDisposition
    {
        get
        {
            if (!_dispositionParsed)
            {
                var h = Headers.Find("Content-Disposition");
                _disposition = h is null ? null : ContentDisposition.Parse(h.RawText);
                _dispositionParsed = true;
            }

            return _disposition;
        }
    }

    /// <summary>The Content-ID without angle brackets, or null.</summary>
    public string? ContentId
    {
        get
        {
            var v = Headers.Find("Content-ID")?.RawText.Trim();
            return string.IsNullOrEmpty(v) ? null : v.Trim('<', '>', ' ');
        }
    }

    /// <summary>Byte offset of the entity's first header in the source (-1 when built by code).</summary>
    public long Offset { get; internal set; } = -1;

    /// <summary>Byte offset where the body starts, after the blank line (-1 when built by code).</summary>
    public long BodyOffset { get; internal set; } = -1;

    /// <summary>Byte offset just past the entity's last byte (-1 when built by code).</summary>
    public abstract long EndOffset { get; }

    /// <summary>Nesting depth (0 for a message's top-level entity).</summary>
    public int Depth { get; internal set; }

    internal void ResetDisposition() => _dispositionParsed = false;
}
