namespace MailMesh.Mime;

/// <summary>Limits and leniency for <see cref="MimeParser"/>. Lenient and generously bounded by default.</summary>
public sealed record ParserOptions
{
    /// <summary>The shared default options.</summary>
    public static ParserOptions Default { get; } = new();

    /// <summary>Largest header block (one entity) in bytes; a larger one is a <see cref="MimeFormatException"/>.</summary>
    public int MaxHeaderSize { get; init; } = 4 * 1024 * 1024;

    /// <summary>Longest single header line in bytes; a longer one is a <see cref="MimeFormatException"/>.</summary>
    public int MaxLineLength { get; init; } = 1024 * 1024;

    /// <summary>Deepest nesting of multiparts and embedded messages; deeper containers are kept as opaque leaf parts.</summary>
    public int MaxPartDepth { get; init; } = 64;

    /// <summary>Most entities in one message; more is a <see cref="MimeFormatException"/>.</summary>
    public int MaxParts { get; init; } = 10_000;

    /// <summary>When true, syntax errors (invalid header lines, missing closing boundaries) throw instead of being repaired.</summary>
    public bool Strict { get; init; }

    /// <summary>Stop after the top-level header block (fast indexing).</summary>
    public bool HeadersOnly { get; init; }

    /// <summary>Streams longer than this are spilled to a memory-mapped temporary file instead of the managed heap.</summary>
    public long SpillThreshold { get; init; } = 4 * 1024 * 1024;

    /// <summary>Charset used for raw 8-bit text that is not valid UTF-8 and declares no charset.</summary>
    public string FallbackCharset { get; init; } = "windows-1252";
}
