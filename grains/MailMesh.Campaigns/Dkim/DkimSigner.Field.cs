using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace MailMesh.Campaigns.Dkim;

/// <summary>Building the <c>DKIM-Signature</c> field over the message's bytes: pooled buffers, no string per header
/// field or per line, one SHA-256 pass over the relaxed body.</summary>
public sealed partial class DkimSigner
{
    private const int FoldAt = 72;
    private const int LongLine = 900;

    private static readonly byte[][] SignedNames = [.. SignedHeaders.Select(Encoding.ASCII.GetBytes)];
    private static readonly bool[] OverSigned = [.. SignedHeaders.Select(n => OverSignedHeaders.Contains(n))];

    [ThreadStatic]
    private static List<HeaderRange>? t_headers;

    /// <summary>A pooled buffer holding the field (ending with CRLF) in its first <paramref name="length"/> bytes; the
    /// caller returns it to <see cref="ArrayPool{T}.Shared"/>.</summary>
    private byte[] RentSignatureField(ReadOnlySpan<byte> message, DateTimeOffset timestamp, out int length)
    {
        var headers = t_headers ??= new List<HeaderRange>(32);
        headers.Clear();
        var bodyStart = DkimCanonicalizer.SplitHeaders(message, headers);

        // Which signed name each field has (-1: none), and how many of each are present.
        var nameOf = headers.Count <= 256 ? stackalloc sbyte[headers.Count] : new sbyte[headers.Count];
        Span<int> present = stackalloc int[SignedNames.Length];
        for (var i = 0; i < headers.Count; i++)
        {
            nameOf[i] = (sbyte)MatchName(message.Slice(headers[i].Start, headers[i].NameLength));
            if (nameOf[i] >= 0)
            {
                present[nameOf[i]]++;
            }
        }

        var namesLength = 0;
        for (var n = 0; n < SignedNames.Length; n++)
        {
            namesLength += Listed(n, present) * (SignedNames[n].Length + 3); // name, colon, room for folding
        }

        var signatureLength = _key.SignatureLength;
        var base64Length = Base64.GetMaxEncodedToUtf8Length(signatureLength);
        var fieldLength = _fieldPrefix.Length + 32 + namesLength + 64 + base64Length + ((base64Length / FoldAt) + 1) * 3 + 2;
        var field = ArrayPool<byte>.Shared.Rent(fieldLength);
        var data = ArrayPool<byte>.Shared.Rent(bodyStart + (2 * headers.Count) + fieldLength);
        var scratch = ArrayPool<byte>.Shared.Rent(signatureLength + base64Length);
        try
        {
            Span<byte> bodyHash = stackalloc byte[32];
            DkimCanonicalizer.RelaxedBodyHash(message[bodyStart..], bodyHash);

            var at = _fieldPrefix.Length;
            _fieldPrefix.CopyTo(field, 0);
            timestamp.ToUnixTimeSeconds().TryFormat(field.AsSpan(at), out var written, default, CultureInfo.InvariantCulture);
            at += written;
            at += Append(field, at, "; h="u8);
            var lineStart = at - 5;
            var dataLength = 0;
            var first = true;
            for (var n = 0; n < SignedNames.Length; n++)
            {
                var listed = Listed(n, present);
                for (var taken = 0; taken < listed; taken++)
                {
                    if (!first)
                    {
                        field[at++] = (byte)':';
                    }

                    if (at - lineStart + SignedNames[n].Length > LongLine)
                    {
                        at += Append(field, at, "\r\n\t"u8);
                        lineStart = at - 1;
                    }

                    first = false;
                    at += Append(field, at, SignedNames[n]);

                    // RFC 6376 5.4.2: instances are taken from the bottom up; a listed name with no instance left adds nothing.
                    var instance = NthFromBottom(nameOf, n, taken);
                    if (instance >= 0)
                    {
                        var header = headers[instance];
                        dataLength += DkimCanonicalizer.RelaxedHeader(message.Slice(header.Start, header.Length), data.AsSpan(dataLength), withCrlf: true);
                    }
                }
            }

            at += Append(field, at, ";\r\n\tbh="u8);
            Base64.EncodeToUtf8(bodyHash, field.AsSpan(at), out _, out written);
            at += written;
            at += Append(field, at, ";\r\n\tb="u8);
            dataLength += DkimCanonicalizer.RelaxedHeader(field.AsSpan(0, at), data.AsSpan(dataLength), withCrlf: false);

            var signature = scratch.AsSpan(0, signatureLength);
            var signed = _key.Sign(data.AsSpan(0, dataLength), signature);
            var encoded = scratch.AsSpan(signatureLength);
            Base64.EncodeToUtf8(signature[..signed], encoded, out _, out var encodedLength);
            for (var i = 0; i < encodedLength; i += FoldAt)
            {
                if (i > 0)
                {
                    at += Append(field, at, "\r\n\t "u8);
                }

                at += Append(field, at, encoded.Slice(i, Math.Min(FoldAt, encodedLength - i)));
            }

            at += Append(field, at, "\r\n"u8);
            length = at;
            return field;
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(field);
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(data);
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    private static int Listed(int name, ReadOnlySpan<int> present) =>
        present[name] + (present[name] > 0 && OverSigned[name] ? 1 : 0);

    private static int MatchName(ReadOnlySpan<byte> name)
    {
        for (var n = 0; n < SignedNames.Length; n++)
        {
            if (Ascii.EqualsIgnoreCase(name, SignedNames[n]))
            {
                return n;
            }
        }

        return -1;
    }

    private static int NthFromBottom(ReadOnlySpan<sbyte> nameOf, int name, int skip)
    {
        for (var i = nameOf.Length - 1; i >= 0; i--)
        {
            if (nameOf[i] == name && skip-- == 0)
            {
                return i;
            }
        }

        return -1;
    }

    private static int Append(byte[] buffer, int at, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(buffer.AsSpan(at));
        return bytes.Length;
    }
}
