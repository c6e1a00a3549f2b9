namespace MailMesh.Mime;

/// <summary>The only exception the parser throws for bad input: says what was wrong and at which byte offset.</summary>
public sealed class MimeFormatException : FormatException
{
    /// <summary>Creates the exception.</summary>
    public MimeFormatException(string message, long offset)
        : base($"{message} (at byte offset {offset})")
    {
        Offset = offset;
    }

    /// <summary>Creates the exception without an offset.</summary>
    public MimeFormatException()
        : this("invalid MIME data", 0)
    {
    }

    /// <summary>Creates the exception without an offset.</summary>
    public MimeFormatException(string message)
        : this(message, 0)
    {
    }

    /// <summary>Creates the exception wrapping another.</summary>
    public MimeFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Byte offset in the source where the problem was found.</summary>
    public long Offset { get; }
}
