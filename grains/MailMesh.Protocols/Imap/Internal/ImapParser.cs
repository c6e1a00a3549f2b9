using System.Text;

namespace MailMesh.Protocols.Imap.Internal;

/// <summary>Grammar-level reads built on <see cref="ImapReader"/> tokens (strings, numbers, lists, flags).</summary>
internal static class ImapParser
{
    private static readonly string[] KnownFlags =
    [
        "\\Seen", "\\Answered", "\\Flagged", "\\Deleted", "\\Draft", "\\Recent", "\\*",
        "$Forwarded", "$MDNSent", "$Junk", "$NotJunk", "$Phishing", "\\HasChildren", "\\HasNoChildren", "\\Noselect",
        "\\NonExistent", "\\Subscribed", "\\Marked", "\\Unmarked", "\\Noinferiors", "\\Sent", "\\Drafts", "\\Trash",
        "\\Junk", "\\Archive", "\\All", "\\Flagged", "\\Important", "\\Remote",
    ];

    public static async ValueTask<ImapToken> ExpectAsync(ImapReader reader, ImapTokenKind kind, string context, CancellationToken cancellationToken)
    {
        var token = await reader.ReadTokenAsync(cancellationToken).ConfigureAwait(false);
        if (token.Kind != kind)
        {
            throw ImapProtocolException.Malformed($"expected {Describe(kind)} in {context}, got {Describe(reader, token)}");
        }

        return token;
    }

    public static async ValueTask<ulong> ReadNumberAsync(ImapReader reader, string context, CancellationToken cancellationToken)
    {
        var token = await reader.ReadTokenAsync(cancellationToken).ConfigureAwait(false);
        if (!reader.TryGetNumber(token, out var value))
        {
            throw ImapProtocolException.Malformed($"expected a number in {context}, got {Describe(reader, token)}");
        }

        return value;
    }

    public static async ValueTask<uint> ReadUInt32Async(ImapReader reader, string context, CancellationToken cancellationToken)
    {
        var value = await ReadNumberAsync(reader, context, cancellationToken).ConfigureAwait(false);
        return value <= uint.MaxValue ? (uint)value : throw ImapProtocolException.Malformed($"{context} has {value}, which exceeds 32 bits");
    }

    /// <summary>nstring / astring: NIL (null), atom, quoted string or literal.</summary>
    public static async ValueTask<string?> ReadNStringAsync(ImapReader reader, string context, CancellationToken cancellationToken)
    {
        var token = await reader.ReadTokenAsync(cancellationToken).ConfigureAwait(false);
        switch (token.Kind)
        {
            case ImapTokenKind.QuotedString:
                return reader.GetString(token);
            case ImapTokenKind.Atom:
                return reader.Is(token, "NIL"u8) ? null : reader.GetString(token);
            case ImapTokenKind.Literal:
                var bytes = await reader.ReadLiteralBytesAsync(token.LiteralLength, cancellationToken).ConfigureAwait(false);
                return Encoding.UTF8.GetString(bytes);
            default:
                throw ImapProtocolException.Malformed($"expected a string or NIL in {context}, got {Describe(reader, token)}");
        }
    }

    /// <summary>A parenthesized list of atoms (flags, attributes); NIL gives an empty list.</summary>
    public static async ValueTask<IReadOnlyList<string>> ReadAtomListAsync(ImapReader reader, string context, CancellationToken cancellationToken)
    {
        var open = await reader.ReadTokenAsync(cancellationToken).ConfigureAwait(false);
        if (reader.Is(open, "NIL"u8))
        {
            return [];
        }

        if (open.Kind != ImapTokenKind.OpenParen)
        {
            throw ImapProtocolException.Malformed($"expected '(' to open {context}, got {Describe(reader, open)}");
        }

        List<string>? items = null;
        while (true)
        {
            var token = await reader.ReadTokenAsync(cancellationToken).ConfigureAwait(false);
            if (token.Kind == ImapTokenKind.CloseParen)
            {
                return items is null ? [] : items;
            }

            if (!token.IsString)
            {
                throw ImapProtocolException.Malformed($"unexpected {Describe(reader, token)} in {context}");
            }

            (items ??= []).Add(Intern(reader.Bytes(token)));
        }
    }

    /// <summary>Atoms up to the end of the line (CAPABILITY, ENABLED) or a ']' (response codes).</summary>
    public static async ValueTask<List<string>> ReadAtomsUntilAsync(ImapReader reader, ImapTokenKind end, string context, CancellationToken cancellationToken)
    {
        var items = new List<string>();
        while (true)
        {
            var token = await reader.ReadTokenAsync(cancellationToken).ConfigureAwait(false);
            if (token.Kind == end)
            {
                return items;
            }

            if (!token.IsString)
            {
                throw ImapProtocolException.Malformed($"unexpected {Describe(reader, token)} in {context}");
            }

            items.Add(reader.GetString(token));
        }
    }

    /// <summary>Skips one value: an atom, string, literal or a nested list.</summary>
    public static async ValueTask SkipValueAsync(ImapReader reader, int maxDepth, CancellationToken cancellationToken)
    {
        var depth = 0;
        do
        {
            var token = await reader.ReadTokenAsync(cancellationToken).ConfigureAwait(false);
            switch (token.Kind)
            {
                case ImapTokenKind.OpenParen:
                    if (++depth > maxDepth)
                    {
                        throw ImapProtocolException.Malformed($"lists are nested more than {maxDepth} deep");
                    }

                    break;
                case ImapTokenKind.CloseParen:
                    if (depth == 0)
                    {
                        throw ImapProtocolException.Malformed("a ')' appears where a value was expected");
                    }

                    depth--;
                    break;
                case ImapTokenKind.Literal:
                    await reader.ReadLiteralAsync(token.LiteralLength, null, cancellationToken).ConfigureAwait(false);
                    break;
                case ImapTokenKind.Eol:
                    throw ImapProtocolException.Malformed("the line ended where a value was expected");
                default:
                    break;
            }
        }
        while (depth > 0);
    }

    /// <summary>Skips the rest of a response, literals included.</summary>
    public static async ValueTask SkipLineAsync(ImapReader reader, CancellationToken cancellationToken)
    {
        while (true)
        {
            var token = await reader.ReadTokenAsync(cancellationToken).ConfigureAwait(false);
            if (token.Kind == ImapTokenKind.Eol)
            {
                return;
            }

            if (token.Kind == ImapTokenKind.Literal)
            {
                await reader.ReadLiteralAsync(token.LiteralLength, null, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public static async ValueTask ExpectEolAsync(ImapReader reader, string context, CancellationToken cancellationToken) =>
        await ExpectAsync(reader, ImapTokenKind.Eol, context, cancellationToken).ConfigureAwait(false);

    public static string Intern(ReadOnlySpan<byte> bytes)
    {
        foreach (var flag in KnownFlags)
        {
            if (flag.Length == bytes.Length && Ascii.EqualsIgnoreCase(bytes, flag))
            {
                return flag;
            }
        }

        return Encoding.UTF8.GetString(bytes);
    }

    public static string Describe(ImapReader reader, in ImapToken token) => token.Kind switch
    {
        ImapTokenKind.Atom => "'" + Shorten(reader.GetString(token)) + "'",
        ImapTokenKind.QuotedString => "\"" + Shorten(reader.GetString(token)) + "\"",
        ImapTokenKind.Literal => "a literal {" + token.LiteralLength + "}",
        _ => Describe(token.Kind),
    };

    public static string Describe(ImapTokenKind kind) => kind switch
    {
        ImapTokenKind.Atom => "an atom",
        ImapTokenKind.QuotedString => "a quoted string",
        ImapTokenKind.Literal => "a literal",
        ImapTokenKind.OpenParen => "'('",
        ImapTokenKind.CloseParen => "')'",
        ImapTokenKind.OpenBracket => "'['",
        ImapTokenKind.CloseBracket => "']'",
        _ => "the end of the line",
    };

    private static string Shorten(string text) => text.Length > 40 ? text[..40] + "..." : text;
}
