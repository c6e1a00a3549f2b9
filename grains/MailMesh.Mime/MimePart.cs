using System.Buffers;
using MailMesh.Mime.Encodings;
using MailMesh.Mime.Headers;

namespace MailMesh.Mime;

/// <summary>
/// A leaf part. Its content stays encoded where it lies in the source (no copy) and is decoded on demand.
/// </summary>
public class MimePart : MimeEntity
{
    private ReadOnlyMemory<byte> _content;

    /// <summary>Creates a part with headers and its (still encoded) content.</summary>
    public MimePart(HeaderList headers, ContentType contentType, ReadOnlyMemory<byte> encodedContent)
        : base(headers, contentType)
    {
        _content = encodedContent;
        ContentTransferEncoding = headers.TryGetRawValue("Content-Transfer-Encoding", out var cte) ? ContentEncodings.Parse(cte.Span) : ContentEncoding.Default;
    }

    /// <summary>Creates a parsed part whose transfer encoding the parser already read from its headers.</summary>
    internal MimePart(HeaderList headers, ContentType contentType, ContentEncoding transferEncoding)
        : base(headers, contentType)
    {
        ContentTransferEncoding = transferEncoding;
    }

    /// <summary>The transfer encoding the content is in.</summary>
    public ContentEncoding ContentTransferEncoding { get; private set; }

    /// <summary>The content bytes as they appear in the message (still transfer-encoded).</summary>
    public ReadOnlyMemory<byte> RawContent => _content;

    /// <summary>True when the content was replaced after parsing.</summary>
    public bool IsContentModified { get; private set; }

    /// <summary>The file name (Content-Disposition filename, else Content-Type name), decoded.</summary>
    public string? FileName => ContentDisposition?.FileName ?? ContentType.Name;

    /// <summary>True when the part is an attachment (disposition "attachment", or a non-text part with a file name).</summary>
    public bool IsAttachment =>
        ContentDisposition?.IsAttachment == true ||
        (ContentDisposition is null && FileName is not null && !ContentType.IsMimeType("text", "*"));

    /// <summary>True for text/* parts.</summary>
    public bool IsText => ContentType.IsMimeType("text", "*");

    /// <summary>A stream that decodes the content on the fly (no copy of the whole content).</summary>
    public Stream OpenDecoded() => new DecoderStream(_content, ContentEncodings.CreateDecoder(ContentTransferEncoding));

    /// <summary>Decodes the content into a buffer writer (pooled or caller-owned memory).</summary>
    public int DecodeTo(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var decoder = ContentEncodings.CreateDecoder(ContentTransferEncoding);
        var input = _content.Span;
        var total = 0;
        const int Chunk = 64 * 1024;
        for (var i = 0; i < input.Length; i += Chunk)
        {
            var slice = input.Slice(i, Math.Min(Chunk, input.Length - i));
            var span = output.GetSpan(slice.Length + 256);
            var n = decoder.Decode(slice, span);
            output.Advance(n);
            total += n;
        }

        var tail = output.GetSpan(256);
        var f = decoder.Flush(tail);
        output.Advance(f);
        return total + f;
    }

    /// <summary>Decodes the content into a stream.</summary>
    public async Task DecodeToAsync(Stream output, CancellationToken cancellationToken = default)
    {
        await using var decoded = OpenDecoded();
        await decoded.CopyToAsync(output, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Decodes the whole content into a new array (this copies: use streams for large parts).</summary>
    public byte[] GetDecodedBytes()
    {
        var buffer = new ArrayBufferWriter<byte>(Math.Max(_content.Length, 1));
        DecodeTo(buffer);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The decoded text in the part's charset (UTF-8 or the fallback charset when none or unknown).</summary>
    public string GetText()
    {
        var buffer = new ArrayBufferWriter<byte>(Math.Max(_content.Length, 1));
        DecodeTo(buffer);
        return Charsets.Decode(buffer.WrittenSpan, ContentType.Charset);
    }

    /// <summary>
    /// Replaces the content with decoded bytes, transfer-encoding them as <paramref name="encoding"/> or,
    /// when null, as <see cref="Writing.ContentEncoder.Choose"/> picks (7bit, 8bit if allowed, QP or base64).
    /// </summary>
    public void SetContent(ReadOnlySpan<byte> decoded, ContentEncoding? encoding = null, bool allow8Bit = false)
    {
        var chosen = encoding ?? Writing.ContentEncoder.Choose(decoded, IsText, allow8Bit);
        SetEncodedContent(Writing.ContentEncoder.Encode(decoded, chosen), chosen);
    }

    /// <summary>Replaces the content with already-encoded bytes in the given transfer encoding.</summary>
    public void SetEncodedContent(ReadOnlyMemory<byte> encoded, ContentEncoding encoding)
    {
        _content = encoded;
        IsContentModified = true;
        ContentTransferEncoding = encoding;
        if (encoding is ContentEncoding.Default)
        {
            Headers.RemoveAll("Content-Transfer-Encoding");
        }
        else
        {
            Headers.Set("Content-Transfer-Encoding", ContentEncodings.ToHeaderValue(encoding));
        }
    }

    /// <inheritdoc />
    public override long EndOffset => ContentEnd;

    internal long ContentEnd { get; set; } = -1;

    internal void SetParsedContent(ReadOnlyMemory<byte> content, long end)
    {
        _content = content;
        ContentEnd = end;
    }
}
