namespace MailMesh.Mime;

/// <summary>
/// Entry points of the parser: lenient, bounded by <see cref="ParserOptions"/>, iterative (deep nesting
/// cannot overflow the stack), and zero-copy (entities are slices of the source).
/// </summary>
public static class MimeParser
{
    /// <summary>Parses a message held in memory.</summary>
    public static MimeMessage Parse(ReadOnlyMemory<byte> data, ParserOptions? options = null) =>
        Parse(new MimeSource(data), options);

    /// <summary>Parses a message from a loaded source.</summary>
    public static MimeMessage Parse(MimeSource source, ParserOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        return new Parsing.ParserCore(source, options ?? ParserOptions.Default, null).ParseMessage();
    }

    /// <summary>
    /// Parses a message whose line breaks followed by "-" were already found (positions in the source,
    /// ascending, every one of them): bodies are then not searched for multipart delimiters again.
    /// </summary>
    internal static MimeMessage Parse(MimeSource source, ParserOptions? options, ReadOnlyMemory<int>? dashLines) =>
        new Parsing.ParserCore(source, options ?? ParserOptions.Default, dashLines).ParseMessage();
}
