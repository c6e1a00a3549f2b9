namespace MailMesh.Mime.Writing;

/// <summary>How the writer formats what it generates. Unchanged parsed bytes are copied as they are unless <see cref="EnsureCrlf"/> is set.</summary>
public sealed record FormatOptions
{
    /// <summary>The defaults: 7-bit safe headers, CRLF, fold at 78.</summary>
    public static FormatOptions Default { get; } = new();

    /// <summary>Preferred header line length for folding (RFC 5322 recommends 78).</summary>
    public int MaxLineLength { get; init; } = 78;

    /// <summary>SMTPUTF8 (RFC 6531/6532): write non-ASCII header text as raw UTF-8 instead of RFC 2047 encoded words.</summary>
    public bool International { get; init; }

    /// <summary>
    /// The server accepts 8BITMIME. When false, leaf parts whose content is 8-bit (or has lines over
    /// 998 bytes) are re-encoded on output, text as quoted-printable and anything else as base64,
    /// with their Content-Transfer-Encoding rewritten; the message object is not changed.
    /// </summary>
    public bool Allow8Bit { get; init; } = true;

    /// <summary>
    /// Convert every bare LF or CR in the output (also in unchanged parsed bytes) to CRLF, as SMTP DATA requires.
    /// Off by default so that parse-then-write is byte-identical.
    /// </summary>
    public bool EnsureCrlf { get; init; }
}
