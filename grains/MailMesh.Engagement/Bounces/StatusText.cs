namespace MailMesh.Engagement.Bounces;

/// <summary>Finds an enhanced status code (RFC 3463) and an SMTP reply code in free text.</summary>
internal static class StatusText
{
    /// <summary>The first <c>c.s.d</c> code (class 2, 4 or 5; subject and detail of 1–3 digits) that is not part of a
    /// longer dotted number such as an IP address, or null.</summary>
    public static string? EnhancedStatus(string? text)
    {
        // A failure code wins over a success code earlier in a transcript ("250 2.1.0 Ok" before "550 5.1.1 ...").
        var first = FirstStatus(text, failureOnly: true);
        return first ?? FirstStatus(text, failureOnly: false);
    }

    private static string? FirstStatus(string? text, bool failureOnly)
    {
        if (text is null)
        {
            return null;
        }

        var limit = Math.Min(text.Length, 8000);
        for (var i = 0; i < limit; i++)
        {
            var c = text[i];
            if (c is not ('2' or '4' or '5') || (failureOnly && c == '2') || (i > 0 && (char.IsAsciiDigit(text[i - 1]) || text[i - 1] == '.')))
            {
                continue;
            }

            var j = i + 1;
            if (j >= text.Length || text[j] != '.')
            {
                continue;
            }

            var subjectStart = ++j;
            while (j < text.Length && char.IsAsciiDigit(text[j]) && j - subjectStart < 4)
            {
                j++;
            }

            if (j == subjectStart || j - subjectStart > 3 || j >= text.Length || text[j] != '.')
            {
                continue;
            }

            var detailStart = ++j;
            while (j < text.Length && char.IsAsciiDigit(text[j]) && j - detailStart < 4)
            {
                j++;
            }

            if (j == detailStart || j - detailStart > 3 || (j < text.Length && (char.IsAsciiDigit(text[j]) || (text[j] == '.' && j + 1 < text.Length && char.IsAsciiDigit(text[j + 1])))))
            {
                continue;
            }

            return text[i..j];
        }

        return null;
    }

    /// <summary>The first three-digit SMTP reply code (4xx or 5xx) standing alone or followed by '-', or 0.</summary>
    public static int ReplyCode(string? text)
    {
        if (text is null)
        {
            return 0;
        }

        var limit = Math.Min(text.Length - 2, 8000);
        for (var i = 0; i < limit; i++)
        {
            var c = text[i];
            if (c is not ('4' or '5') || !char.IsAsciiDigit(text[i + 1]) || !char.IsAsciiDigit(text[i + 2]))
            {
                continue;
            }

            if (i > 0 && (char.IsAsciiLetterOrDigit(text[i - 1]) || text[i - 1] is '.' or '-' or ':' or '/' or '#' or '='))
            {
                continue;
            }

            var after = i + 3 < text.Length ? text[i + 3] : ' ';
            if (after is ' ' or '-' or '\t' or '\r' or '\n' or ',' or ')')
            {
                var code = (c - '0') * 100 + (text[i + 1] - '0') * 10 + (text[i + 2] - '0');
                if (code is >= 420 and <= 459 or >= 500 and <= 559)
                {
                    return code;
                }
            }
        }

        return 0;
    }
}
