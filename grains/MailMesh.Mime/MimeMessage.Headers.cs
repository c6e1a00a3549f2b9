using System.Runtime.CompilerServices;
using MailMesh.Mime.Addresses;
using MailMesh.Mime.Headers;

namespace MailMesh.Mime;

public sealed partial class MimeMessage
{
    /// <summary>The decoded Subject, or null.</summary>
    public string? Subject => Headers["Subject"];

    /// <summary>The From mailboxes.</summary>
    public InternetAddressList From => Addresses("From");

    /// <summary>The Sender mailbox, or null.</summary>
    public MailboxAddress? Sender
    {
        get
        {
            // The first mailbox, group members flattened (as Addresses("Sender").Mailboxes.FirstOrDefault()).
            foreach (var address in Addresses("Sender"))
            {
                switch (address)
                {
                    case MailboxAddress mailbox:
                        return mailbox;
                    case GroupAddress { Members.Count: > 0 } group:
                        return group.Members[0];
                    default:
                        break;
                }
            }

            return null;
        }
    }

    /// <summary>The Reply-To addresses.</summary>
    public InternetAddressList ReplyTo => Addresses("Reply-To");

    /// <summary>The To addresses (all To fields).</summary>
    public InternetAddressList To => Addresses("To");

    /// <summary>The Cc addresses (all Cc fields).</summary>
    public InternetAddressList Cc => Addresses("Cc");

    /// <summary>The Bcc addresses (all Bcc fields).</summary>
    public InternetAddressList Bcc => Addresses("Bcc");

    /// <summary>The Date with its zone, or null when absent or unparseable.</summary>
    [SkipLocalsInit]
    public DateTimeOffset? Date
    {
        get
        {
            var headers = Headers;
            var i = headers.IndexOfName("Date", 0);
            if (i < 0)
            {
                return null;
            }

            // The usual ASCII field in the usual form is read from a stack copy (what DateParser gives for RawText).
            Span<char> chars = stackalloc char[HeaderList.MaxAsciiText];
            var n = headers.TryCopyAsciiText(i, chars);
            return n >= 0 && DateParser.TryParseCanonical(chars[..n], out var date) ? date : DateParser.Parse(headers[i].RawText);
        }
    }

    /// <summary>The Message-ID without brackets, or null.</summary>
    [SkipLocalsInit]
    public string? MessageId
    {
        get
        {
            var headers = Headers;
            var i = headers.IndexOfName("Message-ID", 0);
            if (i < 0)
            {
                return null;
            }

            Span<char> chars = stackalloc char[HeaderList.MaxAsciiText];
            var n = headers.TryCopyAsciiText(i, chars);
            return (n >= 0 ? MessageIds.FirstBracketed(chars[..n]) : null) ?? MessageIds.ParseOne(headers[i].RawText);
        }
    }

    /// <summary>The In-Reply-To ids.</summary>
    public IReadOnlyList<string> InReplyTo => MessageIds.ParseList(Headers.Find("In-Reply-To")?.RawText);

    /// <summary>The References ids, oldest first.</summary>
    public IReadOnlyList<string> References
    {
        get
        {
            var headers = Headers;
            var first = headers.IndexOfName("References", 0);
            if (first < 0)
            {
                return MessageIds.ParseList(string.Empty);
            }

            // The usual single field is parsed as it is; several are joined with a blank, in order.
            return headers.IndexOfName("References", first + 1) < 0
                ? MessageIds.ParseList(headers[first].RawText)
                : MessageIds.ParseList(string.Join(" ", headers.FindAll("References").Select(h => h.RawText)));
        }
    }

    /// <summary>Parses every field with that name as an address list (lenient).</summary>
    [SkipLocalsInit]
    public InternetAddressList Addresses(string fieldName)
    {
        InternetAddressList? list = null;
        var headers = Headers;
        Span<char> chars = stackalloc char[HeaderList.MaxAsciiText];
        for (var i = headers.IndexOfName(fieldName, 0); i >= 0; i = headers.IndexOfName(fieldName, i + 1))
        {
            // The usual single mailbox in an ASCII field is read from a stack copy of the field (what
            // InternetAddressList.Parse gives for its RawText); anything else is parsed from RawText.
            var n = headers.TryCopyAsciiText(i, chars);
            var single = n >= 0 ? AddressParser.TryParseSingleMailbox(chars[..n]) : null;
            var parsed = single is not null ? [single] : InternetAddressList.Parse(headers[i].RawText);
            if (list is null)
            {
                // The usual single field: its parsed list is the result (no copy).
                list = parsed;
            }
            else
            {
                list.AddRange(parsed);
            }
        }

        return list ?? [];
    }
}
