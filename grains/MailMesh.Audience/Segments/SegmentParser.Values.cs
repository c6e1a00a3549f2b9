using MailMesh.Grains.Contacts;

namespace MailMesh.Audience.Segments;

public sealed partial class SegmentParser
{
    /// <summary>A value of the field's kind: a string, a double (numbers; bools as 1 or 0).</summary>
    private object Value(SegmentField field, string after)
    {
        switch (field.Kind)
        {
            case SegmentValueKind.Text:
                return TextValue(field, after);
            case SegmentValueKind.Number:
                var number = Next();
                if (number.Kind != TokenKind.Number)
                {
                    _index--;
                    throw Unexpected($"a number for '{field.Name}' (a number field) after '{after}'");
                }

                return (double)number.Value!;
            default:
                var word = Next();
                if (word.Is("true") || word.Is("false"))
                {
                    return word.Is("true") ? 1.0 : 0.0;
                }

                _index--;
                throw Unexpected($"true or false for '{field.Name}' (a bool field) after '{after}'");
        }
    }

    private string TextValue(SegmentField field, string after)
    {
        var token = Next();
        if (token.Kind != TokenKind.String)
        {
            _index--;
            var what = field.Kind == SegmentValueKind.List ? "an item in quotes" : "a string in quotes";
            throw Unexpected($"{what} for '{field.Name}' after '{after}'");
        }

        var text = (string)token.Value!;
        for (var i = 0; i < text.Length; i++)
        {
            // Stored text never holds control characters other than tab and line breaks (and U+0001 separates items).
            if (char.IsControl(text[i]) && text[i] is not ('\t' or '\n' or '\r'))
            {
                throw new SegmentSyntaxException($"the string has the control character U+{(int)text[i]:X4}, which no value can hold", token.Position + 1 + i,
                    "printable text", $"U+{(int)text[i]:X4}");
            }
        }

        if (text.Length > AttributeValue.MaxStringLength)
        {
            throw new SegmentSyntaxException($"the string is {text.Length} characters long; values hold at most {AttributeValue.MaxStringLength}", token.Position);
        }

        return text;
    }

    /// <summary>A date: <c>2024-03-01</c> (the whole day), <c>2024-03-01T10:00:00Z</c>, the same in quotes, <c>now</c>,
    /// <c>today</c> (the whole UTC day) or <c>90d ago</c>.</summary>
    private SegmentDate DateValue(SegmentField field, string after)
    {
        var token = Next();
        switch (token.Kind)
        {
            case TokenKind.Date:
                return (SegmentDate)token.Value!;
            case TokenKind.String:
                var text = (string)token.Value!;
                if (AttributeParsing.TryParse(text, AttributeType.Date, out _) is { Date: { } parsed })
                {
                    return text.Trim().Length == 10 ? SegmentDate.Day(parsed) : SegmentDate.Instant(parsed);
                }

                throw new SegmentSyntaxException($"'{text}' is not a date; use 2024-03-01 or 2024-03-01T10:00:00Z", token.Position, "a date", token.Describe());
            case TokenKind.Duration:
                if (!Peek.Is("ago"))
                {
                    throw Unexpected($"'ago' after {token.Text} (a relative date such as {token.Text} ago)");
                }

                Next();
                return SegmentDate.Instant(((SegmentDuration)token.Value!).Before(_now));
            default:
                if (token.Is("now"))
                {
                    return SegmentDate.Instant(_now);
                }

                if (token.Is("today"))
                {
                    return SegmentDate.Day(new DateTimeOffset(_now.UtcDateTime.Date, TimeSpan.Zero));
                }

                _index--;
                throw Unexpected($"a date for '{field.Name}' after '{after}' (2024-03-01, 2024-03-01T10:00:00Z, now, today or 30d ago)");
        }
    }
}
