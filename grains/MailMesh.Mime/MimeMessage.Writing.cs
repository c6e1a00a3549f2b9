using MailMesh.Mime.Writing;

namespace MailMesh.Mime;

public sealed partial class MimeMessage
{
    /// <summary>Writes the message; unchanged parsed messages come out byte-identical.</summary>
    public void WriteTo(Stream output, FormatOptions? options = null) => MimeWriter.WriteTo(this, output, options);

    /// <summary>Writes the message asynchronously.</summary>
    public Task WriteToAsync(Stream output, FormatOptions? options = null, CancellationToken cancellationToken = default) =>
        MimeWriter.WriteToAsync(this, output, options, cancellationToken);

    /// <summary>The serialized message.</summary>
    public byte[] ToBytes(FormatOptions? options = null) => MimeWriter.ToBytes(this, options);
}
