using System.Text;

namespace MailMesh.Sieve.Internal;

/// <summary>One address taken from an address header; LocalPart and Domain are null when it did not parse.</summary>
internal readonly record struct ParsedAddress(string Address, string? LocalPart, string? Domain);

/// <summary>A lenient RFC 5322 address-list parser: display names, comments, groups, angle addresses.</summary>
internal static class AddressList
{
    public static List<ParsedAddress> Parse(string value)
    {
        var result = new List<ParsedAddress>();
        foreach (var element in SplitTopLevel(value, ','))
        {
            AddElement(element, result, allowGroup: true);
        }

        return result;
    }

    private static void AddElement(string element, List<ParsedAddress> result, bool allowGroup)
    {
        var text = StripComments(element).Trim();
        if (text.Length == 0)
        {
            return;
        }

        var colon = allowGroup ? IndexOutsideQuotes(text, ':') : -1;
        var angle = IndexOutsideQuotes(text, '<');
        if (colon >= 0 && (angle < 0 || colon < angle))
        {
            // group: display-name ":" [mailbox-list] ";"
            var members = text[(colon + 1)..].TrimEnd().TrimEnd(';');
            foreach (var member in SplitTopLevel(members, ','))
            {
                AddElement(member, result, allowGroup: false);
            }

            return;
        }

        string address;
        if (angle >= 0)
        {
            var close = text.IndexOf('>', angle + 1);
            address = (close < 0 ? text[(angle + 1)..] : text[(angle + 1)..close]).Trim();
            var route = IndexOutsideQuotes(address, ':');
            if (address.StartsWith('@') && route >= 0)
            {
                address = address[(route + 1)..];
            }
        }
        else
        {
            address = text.TrimEnd(';');
        }

        address = RemoveFoldingWhitespace(address);
        if (address.Length == 0)
        {
            // The null address "<>" is a valid empty address.
            if (angle >= 0)
            {
                result.Add(new ParsedAddress(string.Empty, string.Empty, string.Empty));
            }

            return;
        }

        var at = LastIndexOutsideQuotes(address, '@');
        if (at <= 0 || at == address.Length - 1)
        {
            result.Add(new ParsedAddress(address, null, null));
            return;
        }

        var local = Unquote(address[..at]);
        var domain = address[(at + 1)..];
        result.Add(new ParsedAddress($"{local}@{domain}", local, domain));
    }

    private static string Unquote(string local)
    {
        if (local.Length < 2 || local[0] != '"' || local[^1] != '"')
        {
            return local;
        }

        var builder = new StringBuilder(local.Length);
        for (var i = 1; i < local.Length - 1; i++)
        {
            if (local[i] == '\\' && i + 1 < local.Length - 1)
            {
                i++;
            }

            builder.Append(local[i]);
        }

        return builder.ToString();
    }

    private static string RemoveFoldingWhitespace(string address)
    {
        var builder = new StringBuilder(address.Length);
        var inQuote = false;
        foreach (var c in address)
        {
            if (c == '"')
            {
                inQuote = !inQuote;
            }

            if (!inQuote && c is ' ' or '\t' or '\r' or '\n')
            {
                continue;
            }

            builder.Append(c);
        }

        return builder.ToString();
    }

    private static IEnumerable<string> SplitTopLevel(string value, char separator)
    {
        var start = 0;
        var inQuote = false;
        var inAngle = false;
        var comment = 0;
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '\\' && (inQuote || comment > 0))
            {
                i++;
                continue;
            }

            if (comment > 0)
            {
                comment += c == '(' ? 1 : c == ')' ? -1 : 0;
                continue;
            }

            switch (c)
            {
                case '"':
                    inQuote = !inQuote;
                    break;
                case '(' when !inQuote:
                    comment = 1;
                    break;
                case '<' when !inQuote:
                    inAngle = true;
                    break;
                case '>' when !inQuote:
                    inAngle = false;
                    break;
                case ':' when !inQuote && !inAngle && separator == ',':
                    // Inside a group, commas separate members; keep the group together up to ';'.
                    var semicolon = value.IndexOf(';', i);
                    if (semicolon > 0)
                    {
                        i = semicolon;
                    }

                    break;
                default:
                    if (c == separator && !inQuote && !inAngle)
                    {
                        yield return value[start..i];
                        start = i + 1;
                    }

                    break;
            }
        }

        yield return value[start..];
    }

    private static string StripComments(string value)
    {
        if (!value.Contains('(', StringComparison.Ordinal))
        {
            return value;
        }

        var builder = new StringBuilder(value.Length);
        var inQuote = false;
        var depth = 0;
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '\\' && i + 1 < value.Length && (inQuote || depth > 0))
            {
                if (depth == 0)
                {
                    builder.Append(c).Append(value[i + 1]);
                }

                i++;
                continue;
            }

            if (depth > 0)
            {
                depth += c == '(' ? 1 : c == ')' ? -1 : 0;
                continue;
            }

            if (c == '"')
            {
                inQuote = !inQuote;
            }
            else if (c == '(' && !inQuote)
            {
                depth = 1;
                builder.Append(' ');
                continue;
            }

            builder.Append(c);
        }

        return builder.ToString();
    }

    private static int IndexOutsideQuotes(string value, char target)
    {
        var inQuote = false;
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] == '\\' && inQuote)
            {
                i++;
                continue;
            }

            if (value[i] == '"')
            {
                inQuote = !inQuote;
            }
            else if (!inQuote && value[i] == target)
            {
                return i;
            }
        }

        return -1;
    }

    private static int LastIndexOutsideQuotes(string value, char target)
    {
        var inQuote = false;
        var last = -1;
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] == '\\' && inQuote)
            {
                i++;
                continue;
            }

            if (value[i] == '"')
            {
                inQuote = !inQuote;
            }
            else if (!inQuote && value[i] == target)
            {
                last = i;
            }
        }

        return last;
    }
}
