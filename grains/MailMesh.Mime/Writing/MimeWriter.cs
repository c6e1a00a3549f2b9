using System.Buffers;
using System.Text;
using MailMesh.Mime.Encodings;
using MailMesh.Mime.Headers;

namespace MailMesh.Mime.Writing;

/// <summary>
/// Serializes messages. Unchanged parsed pieces are copied from the source byte for byte; changed or
/// built pieces are generated (CRLF, folded, encoded). Traversal is iterative, so depth is unbounded.
/// </summary>
public static class MimeWriter
{
    private static readonly ReadOnlyMemory<byte> Crlf = "\r\n"u8.ToArray();

    /// <summary>Writes a message to a stream.</summary>
    public static void WriteTo(MimeMessage message, Stream output, FormatOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        var normalizer = options?.EnsureCrlf == true ? new CrlfNormalizer() : null;
        foreach (var segment in Segments(message, options ?? FormatOptions.Default))
        {
            if (normalizer is null)
            {
                output.Write(segment.Span);
            }
            else
            {
                normalizer.Write(segment.Span, output);
            }
        }

        normalizer?.Finish(output);
    }

    /// <summary>Writes a message to a stream asynchronously.</summary>
    public static async Task WriteToAsync(MimeMessage message, Stream output, FormatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (options?.EnsureCrlf == true)
        {
            using var buffer = new MemoryStream();
            WriteTo(message, buffer, options);
            buffer.Position = 0;
            await buffer.CopyToAsync(output, cancellationToken).ConfigureAwait(false);
            return;
        }

        foreach (var segment in Segments(message, options ?? FormatOptions.Default))
        {
            await output.WriteAsync(segment, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Serializes a message into a new array.</summary>
    public static byte[] ToBytes(MimeMessage message, FormatOptions? options = null)
    {
        using var ms = new MemoryStream();
        WriteTo(message, ms, options);
        return ms.ToArray();
    }

    /// <summary>Writes header fields (raw when parsed, generated otherwise) without the blank separator line.</summary>
    public static void WriteHeaders(HeaderList headers, IBufferWriter<byte> output, FormatOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(headers);
        ArgumentNullException.ThrowIfNull(output);
        foreach (var h in headers)
        {
            output.Write(FormatHeader(h, options ?? FormatOptions.Default).Span);
        }
    }

    /// <summary>The output as a sequence of byte segments, in order.</summary>
    public static IEnumerable<ReadOnlyMemory<byte>> Segments(MimeMessage message, FormatOptions options)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(options);
        if (!message.MboxMarker.IsEmpty)
        {
            yield return message.MboxMarker;
        }

        var stack = new Stack<object>();
        stack.Push(message.Body);
        while (stack.Count > 0)
        {
            var item = stack.Pop();
            if (item is ReadOnlyMemory<byte> bytes)
            {
                if (!bytes.IsEmpty)
                {
                    yield return bytes;
                }

                continue;
            }

            var entity = (MimeEntity)item;
            if (!options.Allow8Bit && entity is MimePart leaf && NeedsDowngrade(leaf))
            {
                foreach (var segment in Downgraded(leaf, options))
                {
                    yield return segment;
                }

                continue;
            }

            foreach (var h in HeaderSegments(entity.Headers, options))
            {
                yield return h;
            }

            switch (entity)
            {
                case Multipart multipart:
                    PushMultipart(stack, multipart);
                    break;
                case MessagePart { IsInline: true } messagePart:
                    stack.Push(messagePart.Message.Body);
                    break;
                case MessagePart messagePart:
                    stack.Push(messagePart.EncodedContent!.Value);
                    break;
                case MimePart part:
                    stack.Push(part.RawContent);
                    break;
                default:
                    throw new InvalidOperationException($"unknown entity type {entity.GetType().Name}");
            }
        }
    }

    private static bool NeedsDowngrade(MimePart part)
    {
        if (part.ContentTransferEncoding is ContentEncoding.Base64 or ContentEncoding.QuotedPrintable or ContentEncoding.UUEncode)
        {
            return false;
        }

        var content = part.RawContent.Span;
        if (!Ascii.IsValid(content))
        {
            return true;
        }

        var line = 0;
        foreach (var b in content)
        {
            line = b == (byte)'\n' ? 0 : line + 1;
            if (line > 998)
            {
                return true;
            }
        }

        return false;
    }

    private static IEnumerable<ReadOnlyMemory<byte>> Downgraded(MimePart part, FormatOptions options)
    {
        var encoding = part.IsText || part.ContentType.MediaType == "message" ? ContentEncoding.QuotedPrintable : ContentEncoding.Base64;
        foreach (var h in part.Headers)
        {
            if (!h.NameEquals("Content-Transfer-Encoding"))
            {
                yield return FormatHeader(h, options);
            }
        }

        yield return Encoding.ASCII.GetBytes("Content-Transfer-Encoding: " + ContentEncodings.ToHeaderValue(encoding) + "\r\n\r\n");
        yield return ContentEncoder.Encode(part.RawContent.Span, encoding);
    }

    private static IEnumerable<ReadOnlyMemory<byte>> HeaderSegments(HeaderList headers, FormatOptions options)
    {
        if (headers.IsParsed)
        {
            yield return headers.RawBlock;
            yield break;
        }

        foreach (var h in headers)
        {
            yield return FormatHeader(h, options);
        }

        yield return Crlf;
    }

    private static void PushMultipart(Stack<object> stack, Multipart multipart)
    {
        var boundary = multipart.Boundary;
        stack.Push(multipart.RawEpilogue);
        stack.Push(multipart.ChildrenUnchanged
            ? multipart.RawCloseDelimiter
            : (ReadOnlyMemory<byte>)Encoding.ASCII.GetBytes("\r\n--" + boundary + "--\r\n"));
        for (var i = multipart.Children.Count - 1; i >= 0; i--)
        {
            stack.Push(multipart.Children[i]);
            if (multipart.TryGetRawDelimiter(i, out var raw))
            {
                stack.Push(raw);
            }
            else
            {
                var lead = i == 0 && multipart.RawPreamble.IsEmpty ? string.Empty : "\r\n";
                stack.Push((ReadOnlyMemory<byte>)Encoding.ASCII.GetBytes(lead + "--" + boundary + "\r\n"));
            }
        }

        stack.Push(multipart.RawPreamble);
    }

    private static ReadOnlyMemory<byte> FormatHeader(Header header, FormatOptions options)
    {
        if (header.IsParsed)
        {
            var raw = header.RawField;
            if (raw.Span.EndsWith("\n"u8))
            {
                return raw;
            }

            var fixedUp = new byte[raw.Length + 2];
            raw.Span.CopyTo(fixedUp);
            "\r\n"u8.CopyTo(fixedUp.AsSpan(raw.Length));
            return fixedUp;
        }

        var value = header.CreatedValue ?? string.Empty;
        var encoded = header.IsPreEncoded ? value : HeaderEncoder.EncodeUnstructured(value, options);
        return Encoding.UTF8.GetBytes(HeaderEncoder.Fold(header.Name, encoded, options.MaxLineLength));
    }

    /// <summary>Rewrites bare LF and bare CR as CRLF across segment boundaries.</summary>
    private sealed class CrlfNormalizer
    {
        private bool _previousWasCr;

        public void Write(ReadOnlySpan<byte> data, Stream output)
        {
            var start = 0;
            for (var i = 0; i < data.Length; i++)
            {
                var b = data[i];
                if (b == (byte)'\n' && !_previousWasCr)
                {
                    output.Write(data[start..i]);
                    output.Write("\r"u8);
                    start = i;
                }
                else if (_previousWasCr && b != (byte)'\n')
                {
                    output.Write(data[start..i]);
                    output.Write("\n"u8);
                    start = i;
                }

                _previousWasCr = b == (byte)'\r';
            }

            output.Write(data[start..]);
        }

        public void Finish(Stream output)
        {
            if (_previousWasCr)
            {
                output.Write("\n"u8);
                _previousWasCr = false;
            }
        }
    }
}
