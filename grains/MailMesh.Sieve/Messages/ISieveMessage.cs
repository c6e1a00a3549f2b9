namespace MailMesh.Sieve.Messages;

/// <summary>One header field: its name as written and its value, unfolded (line breaks removed), not decoded.</summary>
/// <param name="Name">The field name as written.</param>
/// <param name="Value">The raw value after the colon, unfolded, leading white space removed.</param>
public sealed record SieveHeader(string Name, string Value);

/// <summary>
/// What the interpreter reads from a message. The engine parses header values itself (RFC 2047
/// words, address lists, dates), so an adapter only exposes the structure.
/// </summary>
public interface ISieveMessage
{
    /// <summary>The size of the message in octets.</summary>
    long Size { get; }

    /// <summary>The top-level header fields, in order (editheader works on a copy of these).</summary>
    IReadOnlyList<SieveHeader> Headers { get; }

    /// <summary>The top-level entity (its body, its parts).</summary>
    ISieveMimePart Root { get; }

    /// <summary>
    /// The raw values of the top-level fields named <paramref name="name"/> (case-insensitive), in order.
    /// Adapters over parsed messages override this to find the fields without building <see cref="Headers"/>;
    /// the interpreter asks once per name and execution.
    /// </summary>
    IReadOnlyList<string> GetHeaderValues(string name)
    {
        var values = new List<string>();
        foreach (var field in Headers)
        {
            if (field.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                values.Add(field.Value);
            }
        }

        return values;
    }

    /// <summary>
    /// True when a top-level field named <paramref name="name"/> (case-insensitive) exists. Adapters override this
    /// to answer without building the values (the <c>exists</c> test needs none).
    /// </summary>
    bool HasHeader(string name) => GetHeaderValues(name).Count > 0;
}

/// <summary>One MIME entity.</summary>
public interface ISieveMimePart
{
    /// <summary>The media type, lower-case "type/subtype" (text/plain when absent).</summary>
    string ContentType { get; }

    /// <summary>The entity's header fields.</summary>
    IReadOnlyList<SieveHeader> Headers { get; }

    /// <summary>The children: parts of a multipart, or the one message of a message/rfc822.</summary>
    IReadOnlyList<ISieveMimePart> Children { get; }

    /// <summary>The body as transmitted (no transfer decoding), everything after the header.</summary>
    string RawContent { get; }

    /// <summary>
    /// The bytes <see cref="RawContent"/> is decoded from, when the adapter has them (null otherwise): the engine
    /// then searches ASCII keys of <c>body :raw</c> in them without building <see cref="RawContent"/>.
    /// </summary>
    ReadOnlyMemory<byte>? RawBytes => null;

    /// <summary>The body transfer-decoded and converted to text from its charset, or null when not text or not decodable
    /// (an unknown transfer encoding).</summary>
    string? DecodedText { get; }

    /// <summary>False for an entity that is a header without the empty line that starts a body: every body test
    /// is then false, even for an empty key (RFC 5173 section 5).</summary>
    bool HasBody => true;
}

/// <summary>The SMTP envelope of a delivery (RFC 5228 section 5.4).</summary>
/// <param name="From">The reverse path (MAIL FROM) without angle brackets; empty for the null path, null when unknown.</param>
/// <param name="To">The recipient of this delivery (RCPT TO), when known.</param>
/// <param name="Auth">The authenticated submitter, when known.</param>
public sealed record SieveEnvelope(string? From, string? To, string? Auth = null)
{
    /// <summary>An envelope with nothing known.</summary>
    public static readonly SieveEnvelope Unknown = new(null, null);
}
