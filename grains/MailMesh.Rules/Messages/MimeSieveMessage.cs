using MailMesh.Mime;
using MailMesh.Mime.Encodings;
using MailMesh.Mime.Headers;
using MailMesh.Sieve.Messages;

namespace MailMesh.Rules.Messages;

/// <summary>
/// A parsed <see cref="MimeMessage"/> as the Sieve engine reads it: header fields unfolded but not decoded
/// (the engine decodes RFC 2047 itself), the entity tree with each body as transmitted and, for text
/// parts, transfer-decoded and converted from its charset (for the body extension). Everything is built
/// lazily, so headers-only scripts never touch the body. Not thread-safe; one per execution.
/// </summary>
public sealed class MimeSieveMessage : ISieveMessage
{
    private readonly MimeMessage _message;
    private readonly IReadOnlyList<SieveHeader> _extraHeaders;
    private readonly IReadOnlySet<string> _hiddenHeaders;
    private IReadOnlyList<SieveHeader>? _headers;
    private MimeSievePart? _root;

    /// <summary>Wraps <paramref name="message"/>.</summary>
    /// <param name="message">The parsed message (parsed from bytes, so that raw bodies are available).</param>
    /// <param name="size">The size in octets; defaults to the parsed source's length.</param>
    /// <param name="extraHeaders">Fields the host adds on top (e.g. a spam score it computed).</param>
    /// <param name="hiddenHeaders">Fields of the message the script must not see (e.g. a spam score header a sender forged).</param>
    public MimeSieveMessage(MimeMessage message, long? size = null, IReadOnlyList<SieveHeader>? extraHeaders = null, IReadOnlySet<string>? hiddenHeaders = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        _message = message;
        Size = size ?? message.Source?.Length ?? 0;
        _extraHeaders = extraHeaders ?? [];
        _hiddenHeaders = hiddenHeaders ?? new HashSet<string>();
    }

    /// <summary>Parses <paramref name="raw"/> and wraps it.</summary>
    /// <exception cref="MimeFormatException">The message cannot be parsed at all.</exception>
    public static MimeSieveMessage Parse(ReadOnlyMemory<byte> raw, IReadOnlyList<SieveHeader>? extraHeaders = null, IReadOnlySet<string>? hiddenHeaders = null) =>
        new(MimeMessage.Parse(raw), raw.Length, extraHeaders, hiddenHeaders);

    /// <summary>The parsed message.</summary>
    public MimeMessage Message => _message;

    /// <inheritdoc />
    public long Size { get; }

    /// <inheritdoc />
    public IReadOnlyList<SieveHeader> Headers => _headers ??= BuildHeaders();

    /// <inheritdoc />
    public ISieveMimePart Root => _root ??= new MimeSievePart(_message.Body, _message.Source?.Memory ?? ReadOnlyMemory<byte>.Empty, 0, this);

    /// <inheritdoc />
    public IReadOnlyList<string> GetHeaderValues(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        List<string>? values = null;
        if (_headers is not null)
        {
            foreach (var field in _headers)
            {
                if (field.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
                {
                    (values ??= []).Add(field.Value);
                }
            }

            return values is null ? [] : values;
        }

        foreach (var extra in _extraHeaders)
        {
            if (extra.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                (values ??= []).Add(extra.Value);
            }
        }

        if (!_hiddenHeaders.Contains(name))
        {
            foreach (var header in _message.Headers.FindAll(name))
            {
                if (!header.IsInvalid)
                {
                    (values ??= []).Add(header.RawText);
                }
            }
        }

        return values is null ? [] : values;
    }

    /// <inheritdoc />
    public bool HasHeader(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (_headers is not null)
        {
            return _headers.Any(h => h.Name.Equals(name, StringComparison.OrdinalIgnoreCase));
        }

        foreach (var extra in _extraHeaders)
        {
            if (extra.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        // Invalid lines have no name, so they never match one (as in GetHeaderValues).
        return !_hiddenHeaders.Contains(name) && _message.Headers.Contains(name);
    }

    private List<SieveHeader> BuildHeaders()
    {
        var list = new List<SieveHeader>(_message.Headers.Count + _extraHeaders.Count);
        list.AddRange(_extraHeaders);
        foreach (var header in _message.Headers)
        {
            if (!header.IsInvalid && !_hiddenHeaders.Contains(header.Name))
            {
                list.Add(new SieveHeader(header.Name, header.RawText));
            }
        }

        return list;
    }

    internal static List<SieveHeader> Convert(HeaderList headers)
    {
        var list = new List<SieveHeader>(headers.Count);
        foreach (var header in headers)
        {
            if (!header.IsInvalid)
            {
                list.Add(new SieveHeader(header.Name, header.RawText));
            }
        }

        return list;
    }

    internal static string Text(ReadOnlySpan<byte> bytes) => Charsets.DecodeRaw(bytes);
}

/// <summary>One entity of a <see cref="MimeSieveMessage"/>.</summary>
internal sealed class MimeSievePart : ISieveMimePart
{
    private const int MaxDepth = 32;
    private readonly MimeEntity _entity;
    private readonly ReadOnlyMemory<byte> _source;
    private readonly int _depth;
    private IReadOnlyList<SieveHeader>? _headers;
    private IReadOnlyList<ISieveMimePart>? _children;
    private string? _raw;
    private string? _decoded;
    private bool _decodedDone;

    // The top-level part's fields are the message's (with its extra and hidden fields), built only when asked for.
    private readonly MimeSieveMessage? _owner;

    public MimeSievePart(MimeEntity entity, ReadOnlyMemory<byte> source, int depth, MimeSieveMessage? owner = null)
    {
        _entity = entity;
        _source = source;
        _depth = depth;
        _owner = owner;
        var type = entity.ContentType;
        ContentType = (type.MediaType + "/" + type.MediaSubtype).ToLowerInvariant();
    }

    public string ContentType { get; }

    public IReadOnlyList<SieveHeader> Headers => _headers ??= _owner?.Headers ?? MimeSieveMessage.Convert(_entity.Headers);

    public IReadOnlyList<ISieveMimePart> Children => _children ??= BuildChildren();

    public string RawContent => _raw ??= BuildRaw();

    public ReadOnlyMemory<byte>? RawBytes => RawSpan();

    // A parsed header block that does not end with the empty line has no body (RFC 5173 section 5).
    public bool HasBody
    {
        get
        {
            var block = _entity.Headers.RawBlock.Span;
            return block.IsEmpty || block.EndsWith("\n\n"u8) || block.EndsWith("\n\r\n"u8) || block.SequenceEqual("\r\n"u8) || block.SequenceEqual("\n"u8);
        }
    }

    public string? DecodedText
    {
        get
        {
            if (!_decodedDone)
            {
                _decoded = _entity is MimePart { IsText: true } part ? part.GetText() : null;
                _decodedDone = true;
            }

            return _decoded;
        }
    }

    private List<ISieveMimePart> BuildChildren()
    {
        if (_depth >= MaxDepth)
        {
            return [];
        }

        switch (_entity)
        {
            case Multipart multipart:
                return multipart.Children.Select(c => (ISieveMimePart)new MimeSievePart(c, _source, _depth + 1)).ToList();
            case MessagePart embedded:
                var message = embedded.Message;
                var source = embedded.EncodedContent is null ? _source : message.Source?.Memory ?? ReadOnlyMemory<byte>.Empty;
                return [new MimeSievePart(message.Body, source, _depth + 1)];
            default:
                return [];
        }
    }

    private string BuildRaw() => MimeSieveMessage.Text(RawSpan().Span);

    private ReadOnlyMemory<byte> RawSpan()
    {
        if (_entity is MimePart part)
        {
            return part.RawContent;
        }

        if (_entity is MessagePart { EncodedContent: { } encoded })
        {
            return encoded;
        }

        var start = _entity.BodyOffset;
        var end = _entity.EndOffset;
        return start >= 0 && end >= start && end <= _source.Length ? _source[(int)start..(int)end] : ReadOnlyMemory<byte>.Empty;
    }
}
