using System.Buffers;
using System.Globalization;
using MailMesh.Mime.Headers;

namespace MailMesh.Mime;

/// <summary>A message/partial fragment (RFC 2046 5.2.2): id, number and total, and reassembly.</summary>
public sealed class MessagePartial : MimePart
{
    /// <summary>Creates a fragment.</summary>
    public MessagePartial(HeaderList headers, ContentType contentType, ReadOnlyMemory<byte> content)
        : base(headers, contentType, content)
    {
    }

    /// <summary>The id shared by all fragments.</summary>
    public string? Id => ContentType.Parameters["id"];

    /// <summary>This fragment's 1-based number.</summary>
    public int? Number => int.TryParse(ContentType.Parameters["number"], NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : null;

    /// <summary>The total number of fragments (only required on the last one).</summary>
    public int? Total => int.TryParse(ContentType.Parameters["total"], NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : null;

    /// <summary>
    /// Reassembles fragments (from their enclosing messages, any order) into the original message.
    /// The enclosing headers of fragment 1 are merged as RFC 2046 requires: its Content-*, Subject,
    /// Message-ID, Encrypted and MIME-Version fields are replaced by those of the inner header block.
    /// </summary>
    public static MimeMessage Join(IEnumerable<MimeMessage> fragments, ParserOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(fragments);
        var parts = fragments.Select(m => (Message: m, Part: m.Body as MessagePartial)).ToList();
        if (parts.Count == 0 || parts.Any(p => p.Part is null))
        {
            throw new ArgumentException("every message must have a message/partial body", nameof(fragments));
        }

        var ordered = parts.OrderBy(p => p.Part!.Number ?? int.MaxValue).ToList();
        var total = ordered.Select(p => p.Part!.Total).FirstOrDefault(t => t is not null);
        for (var i = 0; i < ordered.Count; i++)
        {
            if (ordered[i].Part!.Number != i + 1)
            {
                throw new ArgumentException($"fragment {i + 1} is missing (have {string.Join(",", ordered.Select(p => p.Part!.Number))})", nameof(fragments));
            }
        }

        if (total is not null && total != ordered.Count)
        {
            throw new ArgumentException($"expected {total} fragments, got {ordered.Count}", nameof(fragments));
        }

        var buffer = new ArrayBufferWriter<byte>();
        foreach (var (_, part) in ordered)
        {
            part!.DecodeTo(buffer);
        }

        var inner = MimeParser.Parse(buffer.WrittenMemory, options);
        var outer = ordered[0].Message.Headers;
        var merged = new HeaderList();
        foreach (var h in outer)
        {
            if (!IsReplacedField(h.Name))
            {
                merged.Add(h);
            }
        }

        foreach (var h in inner.Headers)
        {
            if (IsReplacedField(h.Name))
            {
                merged.Add(h);
            }
        }

        var builder = new ArrayBufferWriter<byte>();
        Writing.MimeWriter.WriteHeaders(merged, builder);
        builder.Write("\r\n"u8);
        builder.Write(inner.Body.BodyOffset >= 0 ? buffer.WrittenSpan[(int)inner.Body.BodyOffset..] : ReadOnlySpan<byte>.Empty);
        return MimeParser.Parse(builder.WrittenMemory, options);
    }

    private static bool IsReplacedField(string name) =>
        name.StartsWith("Content-", StringComparison.OrdinalIgnoreCase) ||
        name.Equals("Subject", StringComparison.OrdinalIgnoreCase) ||
        name.Equals("Message-ID", StringComparison.OrdinalIgnoreCase) ||
        name.Equals("Encrypted", StringComparison.OrdinalIgnoreCase) ||
        name.Equals("MIME-Version", StringComparison.OrdinalIgnoreCase);
}
