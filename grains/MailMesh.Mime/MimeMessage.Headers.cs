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
    public MailboxAddress? Sender => Addresses("Sender").Mailboxes.FirstOrDefault();

    /// <summary>The Reply-To addresses.</summary>
    public InternetAddressList ReplyTo => Addresses("Reply-To");

    /// <summary>The To addresses (all To fields).</summary>
    public InternetAddressList To => Addresses("To");

    /// <summary>The Cc addresses (all Cc fields).</summary>
    public InternetAddressList Cc => Addresses("Cc");

    /// <summary>The Bcc addresses (all Bcc fields).</summary>
    public InternetAddressList Bcc => Addresses("Bcc");

    /// <summary>The Date with its zone, or null when absent or unparseable.</summary>
    public DateTimeOffset? Date => DateParser.Parse(Headers.Find("Date")?.RawText);

    /// <summary>The Message-ID without brackets, or null.</summary>
    public string? MessageId => MessageIds.ParseOne(Headers.Find("Message-ID")?.RawText);

    /// <summary>The In-Reply-To ids.</summary>
    public IReadOnlyList<string> InReplyTo => MessageIds.ParseList(Headers.Find("In-Reply-To")?.RawText);

    /// <summary>The References ids, oldest first.</summary>
    public IReadOnlyList<string> References => MessageIds.ParseList(string.Join(" ", Headers.FindAll("References").Select(h => h.RawText)));

    /// <summary>Parses every field with that name as an address list (lenient).</summary>
    public InternetAddressList Addresses(string fieldName)
    {
        InternetAddressList? list = null;
        foreach (var h in Headers.FindAll(fieldName))
        {
            var parsed = InternetAddressList.Parse(h.RawText);
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
