using System.IO.Pipelines;
using MailMesh.Mime.Headers;

namespace MailMesh.Mime;

/// <summary>
/// A parsed or built message. Its <see cref="Body"/> is the top-level entity, whose header block is the
/// message header block. A parsed message references its <see cref="Source"/> bytes; dispose it to
/// release a spilled temporary file.
/// </summary>
public sealed partial class MimeMessage : IDisposable
{
    private MimeEntity? _body;

    /// <summary>Creates a message around a top-level entity (for builders).</summary>
    public MimeMessage(MimeEntity body)
    {
        _body = body;
    }

    internal MimeMessage(MimeSource? source)
    {
        Source = source;
    }

    /// <summary>The top-level entity; its headers are the message's headers.</summary>
    public MimeEntity Body
    {
        get => _body ?? throw new InvalidOperationException("the message has no body yet");
        internal set => _body = value;
    }

    /// <summary>The message header fields (the same list as <c>Body.Headers</c>).</summary>
    public HeaderList Headers => Body.Headers;

    /// <summary>The bytes the message was parsed from, or null when built by code.</summary>
    public MimeSource? Source { get; }

    /// <summary>Bytes before the headers (an mbox "From " line and/or a UTF-8 byte order mark), kept for lossless output; empty if none.</summary>
    public ReadOnlyMemory<byte> MboxMarker { get; internal set; }

    /// <summary>True when parsed in headers-only mode (the body is one unparsed part).</summary>
    public bool IsHeadersOnly { get; internal set; }

    /// <summary>Parses a message held in memory (no copy).</summary>
    public static MimeMessage Parse(ReadOnlyMemory<byte> data, ParserOptions? options = null) => MimeParser.Parse(data, options);

    /// <summary>Parses a message held in an array (no copy).</summary>
    public static MimeMessage Parse(byte[] data, ParserOptions? options = null) => MimeParser.Parse(data, options);

    /// <summary>Reads and parses a stream (large inputs spill to a memory-mapped temporary file).</summary>
    public static MimeMessage Load(Stream stream, ParserOptions? options = null)
    {
        options ??= ParserOptions.Default;
        var source = MimeSource.Load(stream, options.SpillThreshold);
        return MimeParser.Parse(source, options);
    }

    /// <summary>Reads and parses a stream asynchronously.</summary>
    public static async Task<MimeMessage> LoadAsync(Stream stream, ParserOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= ParserOptions.Default;
        var source = await MimeSource.LoadAsync(stream, options.SpillThreshold, cancellationToken).ConfigureAwait(false);
        return MimeParser.Parse(source, options);
    }

    /// <summary>Reads a pipe to its end and parses it.</summary>
    public static async Task<MimeMessage> LoadAsync(PipeReader reader, ParserOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= ParserOptions.Default;
        var source = await MimeSource.LoadAsync(reader, options.SpillThreshold, cancellationToken).ConfigureAwait(false);
        return MimeParser.Parse(source, options);
    }

    /// <summary>Releases the source (a spilled temporary file, if any).</summary>
    public void Dispose() => Source?.Dispose();
}
