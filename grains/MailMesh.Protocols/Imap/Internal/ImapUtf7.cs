using System.Text;

namespace MailMesh.Protocols.Imap.Internal;

/// <summary>Modified UTF-7 for mailbox names (RFC 3501 section 5.1.3).</summary>
internal static class ImapUtf7
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

    public static string Encode(string name)
    {
        var builder = new StringBuilder(name.Length);
        var i = 0;
        while (i < name.Length)
        {
            var c = name[i];
            if (c is >= (char)0x20 and <= (char)0x7e)
            {
                builder.Append(c == '&' ? "&-" : c.ToString());
                i++;
                continue;
            }

            var start = i;
            while (i < name.Length && name[i] is < (char)0x20 or > (char)0x7e)
            {
                i++;
            }

            var bytes = Encoding.BigEndianUnicode.GetBytes(name, start, i - start);
            builder.Append('&');
            var bits = 0;
            var buffer = 0;
            foreach (var b in bytes)
            {
                buffer = (buffer << 8) | b;
                bits += 8;
                while (bits >= 6)
                {
                    bits -= 6;
                    builder.Append(Alphabet[(buffer >> bits) & 0x3f]);
                }
            }

            if (bits > 0)
            {
                builder.Append(Alphabet[(buffer << (6 - bits)) & 0x3f]);
            }

            builder.Append('-');
        }

        return builder.ToString();
    }

    /// <summary>Decodes; a malformed name is returned unchanged (lenient: the server's spelling still works for SELECT).</summary>
    public static string Decode(string name)
    {
        if (!name.Contains('&', StringComparison.Ordinal))
        {
            return name;
        }

        var builder = new StringBuilder(name.Length);
        var i = 0;
        while (i < name.Length)
        {
            var c = name[i++];
            if (c != '&')
            {
                builder.Append(c);
                continue;
            }

            var end = name.IndexOf('-', i);
            if (end < 0)
            {
                return name;
            }

            if (end == i)
            {
                builder.Append('&');
                i++;
                continue;
            }

            var bytes = new List<byte>();
            var bits = 0;
            var buffer = 0;
            for (var j = i; j < end; j++)
            {
                var value = Alphabet.IndexOf(name[j], StringComparison.Ordinal);
                if (value < 0)
                {
                    return name;
                }

                buffer = (buffer << 6) | value;
                bits += 6;
                if (bits >= 8)
                {
                    bits -= 8;
                    bytes.Add((byte)((buffer >> bits) & 0xff));
                }
            }

            builder.Append(Encoding.BigEndianUnicode.GetString([.. bytes]));
            i = end + 1;
        }

        return builder.ToString();
    }
}
