using System.Text;
using MailMesh.Mime.Encodings;
using MailMesh.Mime.Headers;

namespace MailMesh.Mime.Parsing;

/// <summary>
/// The iterative parser. It walks the source once: header blocks line by line, bodies by a vectorized
/// search for "\n--" followed by a check against the open boundaries (innermost first). Open
/// multiparts live on an explicit stack, so nesting depth costs heap, never call stack.
/// Every byte of the source lands in exactly one raw range, which makes unchanged output byte-identical.
/// </summary>
internal sealed partial class ParserCore
{
    private readonly MimeSource _source;
    private readonly ReadOnlyMemory<byte> _memory;
    private readonly ParserOptions _options;
    private readonly List<Frame> _frames = [];
    [ThreadStatic]
    private static List<FieldRange>? t_fieldScratch;
    private int _entityCount;

    private readonly ReadOnlyMemory<int>? _dashLines;

    public ParserCore(MimeSource source, ParserOptions options, ReadOnlyMemory<int>? dashLines)
    {
        _source = source;
        _memory = source.Memory;
        _options = options;
        _dashLines = dashLines;
    }

    private enum Kind
    {
        Leaf,
        Multipart,
        InlineMessage,
        EncodedMessage,
        Partial,
    }

    public MimeMessage ParseMessage()
    {
        var top = new MimeMessage(_source);
        var span = _memory.Span;
        var pos = 0;
        if (span.StartsWith("\uFEFF"u8))
        {
            // A UTF-8 byte order mark (written by some Windows tools) is not part of the first field name.
            pos = 3;
            top.MboxMarker = _memory[..pos];
        }

        if (span[pos..].StartsWith("From "u8))
        {
            var nl = span[pos..].IndexOf((byte)'\n');
            pos = nl < 0 ? span.Length : pos + nl + 1;
            top.MboxMarker = _memory[..pos];
        }

        if (_options.HeadersOnly)
        {
            var block = ParseHeaders(pos);
            var ct = ResolveType(block.Headers, block.ContentType, false);
            var cte = block.TransferEncoding is { } value ? ContentEncodings.Parse(value.Span) : ContentEncoding.Default;
            var part = new MimePart(block.Headers, ct, cte) { Offset = pos, BodyOffset = block.BodyStart };
            part.SetParsedContent(_memory[block.BodyStart..], _memory.Length);
            top.Body = part;
            top.IsHeadersOnly = true;
            return top;
        }

        ParseFrom(pos, top);
        return top;
    }

    private void ParseFrom(int pos, MimeMessage top)
    {
        var target = new Target(top, null, default);
        var depth = 0;
        var inDigest = false;
        while (true)
        {
            if (++_entityCount > _options.MaxParts)
            {
                throw new MimeFormatException($"more than {_options.MaxParts} MIME entities (ParserOptions.MaxParts)", pos);
            }

            var block = ParseHeaders(pos);
            var contentType = ResolveType(block.Headers, block.ContentType, inDigest);
            var encoding = block.TransferEncoding is { } cte ? ContentEncodings.Parse(cte.Span) : ContentEncoding.Default;
            var kind = Classify(contentType, encoding, depth);
            Hit hit;
            switch (kind)
            {
                case Kind.Multipart:
                {
                    var multipart = new Multipart(block.Headers, contentType) { Offset = pos, BodyOffset = block.BodyStart, Depth = depth };
                    target.Attach(multipart);
                    _frames.Add(new Frame(multipart, Encoding.UTF8.GetBytes(multipart.Boundary), depth, contentType.IsMimeType("multipart", "digest")));
                    hit = FindBoundary(block.BodyStart);
                    multipart.RawPreamble = _memory[block.BodyStart..hit.ContentEnd];
                    break;
                }

                case Kind.InlineMessage:
                {
                    var inner = new MimeMessage(_source);
                    var messagePart = new MessagePart(block.Headers, contentType, inner) { Offset = pos, BodyOffset = block.BodyStart, Depth = depth };
                    target.Attach(messagePart);
                    target = new Target(inner, null, default);
                    pos = block.BodyStart;
                    depth++;
                    inDigest = false;
                    continue;
                }

                default:
                {
                    hit = FindBoundary(block.BodyStart);
                    var content = _memory[block.BodyStart..hit.ContentEnd];
                    MimeEntity leaf;
                    if (kind == Kind.EncodedMessage)
                    {
                        leaf = new MessagePart(block.Headers, contentType, content, encoding, _options) { EncodedEnd = hit.ContentEnd };
                    }
                    else
                    {
                        var part = kind == Kind.Partial
                            ? new MessagePartial(block.Headers, contentType, default)
                            : new MimePart(block.Headers, contentType, encoding);
                        part.SetParsedContent(content, hit.ContentEnd);
                        leaf = part;
                    }

                    leaf.Offset = pos;
                    leaf.BodyOffset = block.BodyStart;
                    leaf.Depth = depth;
                    target.Attach(leaf);
                    break;
                }
            }

            if (!Advance(hit, out pos, out target, out depth, out inDigest))
            {
                return;
            }
        }
    }

    /// <summary>Consumes boundary hits until the next child entity starts (true) or the input ends (false).</summary>
    private bool Advance(Hit hit, out int next, out Target target, out int depth, out bool inDigest)
    {
        while (true)
        {
            if (hit.Frame < 0)
            {
                for (var i = _frames.Count - 1; i >= 0; i--)
                {
                    CloseMissing(_frames[i].Multipart, hit.ContentEnd);
                }

                _frames.Clear();
                next = 0;
                target = default;
                depth = 0;
                inDigest = false;
                return false;
            }

            for (var i = _frames.Count - 1; i > hit.Frame; i--)
            {
                CloseMissing(_frames[i].Multipart, hit.ContentEnd);
                _frames.RemoveAt(i);
            }

            var frame = _frames[hit.Frame];
            var delimiter = _memory[hit.ContentEnd..hit.LineEnd];
            if (!hit.IsClose)
            {
                next = hit.LineEnd;
                target = new Target(null, frame.Multipart, delimiter);
                depth = frame.Depth + 1;
                inDigest = frame.IsDigest;
                return true;
            }

            frame.Multipart.RawCloseDelimiter = delimiter;
            _frames.RemoveAt(_frames.Count - 1);
            var after = FindBoundary(hit.LineEnd);
            frame.Multipart.RawEpilogue = _memory[hit.LineEnd..after.ContentEnd];
            frame.Multipart.EpilogueEnd = after.ContentEnd;
            hit = after;
        }
    }

    private void CloseMissing(Multipart multipart, int end)
    {
        if (_options.Strict)
        {
            throw new MimeFormatException($"multipart with boundary \"{multipart.Boundary}\" has no closing delimiter", end);
        }

        multipart.MissingCloseDelimiter = true;
        multipart.RawCloseDelimiter = ReadOnlyMemory<byte>.Empty;
        multipart.RawEpilogue = ReadOnlyMemory<byte>.Empty;
        multipart.EpilogueEnd = end;
    }

    private Kind Classify(ContentType type, ContentEncoding encoding, int depth)
    {
        if (depth >= _options.MaxPartDepth)
        {
            return Kind.Leaf;
        }

        if (type.MediaType == "multipart" && !string.IsNullOrWhiteSpace(type.Boundary))
        {
            return Kind.Multipart;
        }

        if (type.MediaType == "message")
        {
            switch (type.MediaSubtype)
            {
                case "rfc822" or "global" or "news" or "x-rfc822":
                    return encoding is ContentEncoding.Base64 or ContentEncoding.QuotedPrintable or ContentEncoding.UUEncode
                        ? Kind.EncodedMessage
                        : Kind.InlineMessage;
                case "partial":
                    return Kind.Partial;
                default:
                    break;
            }
        }

        return Kind.Leaf;
    }

    /// <summary>The entity's content type from its first Content-Type field (at <paramref name="index"/>, -1 for none), or the default.</summary>
    private static ContentType ResolveType(HeaderList headers, int index, bool inDigest)
    {
        ContentType? parsed = null;
        if (index >= 0 && !(headers.TryGetRawValueAt(index, out var raw) && ContentType.TryParseAscii(raw.Span, out parsed)))
        {
            parsed = ContentType.Parse(headers[index].RawText);
        }

        return parsed ?? (inDigest ? new ContentType("message", "rfc822") : ContentType.TextPlain);
    }

    private readonly record struct Frame(Multipart Multipart, byte[] Boundary, int Depth, bool IsDigest);

    /// <summary>Where the next parsed entity goes: a message's body or a multipart's next child.</summary>
    private readonly record struct Target(MimeMessage? Message, Multipart? Parent, ReadOnlyMemory<byte> Delimiter)
    {
        public void Attach(MimeEntity entity)
        {
            if (Message is not null)
            {
                Message.Body = entity;
            }
            else
            {
                Parent!.AddParsed(entity, Delimiter);
            }
        }
    }
}
