using MailMesh.Mime.Encodings;
using MailMesh.Mime.Headers;

namespace MailMesh.Mime;

/// <summary>
/// A message/rfc822 (or message/global, message/news) entity holding an embedded message. An embedded
/// message in 7bit/8bit/binary is parsed in place; one that is base64/quoted-printable encoded is
/// decoded and parsed when first asked for.
/// </summary>
public sealed class MessagePart : MimeEntity
{
    private readonly ParserOptions? _options;
    private MimeMessage? _message;

    /// <summary>Wraps an embedded message.</summary>
    public MessagePart(HeaderList headers, ContentType contentType, MimeMessage message)
        : base(headers, contentType)
    {
        _message = message;
    }

    internal MessagePart(HeaderList headers, ContentType contentType, ReadOnlyMemory<byte> encoded, ContentEncoding encoding, ParserOptions options)
        : base(headers, contentType)
    {
        EncodedContent = encoded;
        Encoding = encoding;
        _options = options;
    }

    /// <summary>The raw content when the embedded message was transfer-encoded, else null.</summary>
    public ReadOnlyMemory<byte>? EncodedContent { get; }

    /// <summary>The transfer encoding of <see cref="EncodedContent"/>.</summary>
    public ContentEncoding Encoding { get; }

    /// <summary>The embedded message.</summary>
    public MimeMessage Message => _message ??= ParseEncoded();

    /// <inheritdoc />
    public override long EndOffset => EncodedContent is not null ? EncodedEnd : _message!.Body.EndOffset;

    internal long EncodedEnd { get; set; } = -1;

    internal bool IsInline => EncodedContent is null;

    private MimeMessage ParseEncoded()
    {
        var decoder = ContentEncodings.CreateDecoder(Encoding);
        var input = EncodedContent!.Value.Span;
        var output = new byte[input.Length + 256];
        var n = decoder.Decode(input, output);
        n += decoder.Flush(output.AsSpan(n));
        var options = _options ?? ParserOptions.Default;
        return MimeParser.Parse(output.AsMemory(0, n), options with { MaxPartDepth = Math.Max(0, options.MaxPartDepth - Depth - 1) });
    }
}
