using System.Text;
using MailMesh.Sieve.Messages;

namespace MailMesh.Sieve.Tests.Support;

/// <summary>
/// A minimal RFC 5322/MIME reader for the test suite's messages: header fields, multipart
/// boundaries, message/rfc822, base64 and quoted-printable, charsets. Not a general MIME parser;
/// production code adapts MailMesh.Mime's message type instead.
/// </summary>
public sealed class TestMessage : ISieveMessage
{
    private readonly TestMimePart _root;

    private TestMessage(string raw)
    {
        var normalized = NormalizeLineEndings(raw);
        Size = Encoding.UTF8.GetByteCount(normalized);
        _root = TestMimePart.Parse(normalized, 0);
    }

    public long Size { get; }

    public IReadOnlyList<SieveHeader> Headers => _root.Headers;

    public ISieveMimePart Root => _root;

    public static TestMessage Parse(string raw) => new(raw);

    internal static string NormalizeLineEndings(string raw)
    {
        var builder = new StringBuilder(raw.Length + 64);
        for (var i = 0; i < raw.Length; i++)
        {
            var c = raw[i];
            if (c == '\r')
            {
                builder.Append("\r\n");
                if (i + 1 < raw.Length && raw[i + 1] == '\n')
                {
                    i++;
                }
            }
            else if (c == '\n')
            {
                builder.Append("\r\n");
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }
}
