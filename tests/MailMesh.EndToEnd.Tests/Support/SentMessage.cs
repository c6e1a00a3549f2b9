using System.Text;
using System.Text.Json;
using AngleSharp.Html.Parser;
using MailMesh.Mime;
using MailMesh.Testing;

namespace MailMesh.EndToEnd.Tests.Support;

/// <summary>A link of a sent HTML part: its text and where it points.</summary>
public sealed record SentLink(string Text, string Href);

/// <summary>One message the capture server accepted, with its envelope, parsed back with the project's MIME parser.</summary>
public sealed class SentMessage
{
    private SentMessage(string recipient, string mailFrom, byte[] raw, string file)
    {
        Recipient = recipient;
        MailFrom = mailFrom;
        Raw = raw;
        File = file;
        Parsed = MimeMessage.Parse(raw);
        Html = Parsed.HtmlBody;
        Text = Parsed.TextBody;
        Links = Html is null ? [] : ReadLinks(Html);
        Pixel = Html is null ? null : ReadPixel(Html);
    }

    /// <summary>The envelope recipient.</summary>
    public string Recipient { get; }

    /// <summary>The envelope sender (the VERP return path).</summary>
    public string MailFrom { get; }

    /// <summary>The message as the sink stored it.</summary>
    public byte[] Raw { get; }

    /// <summary>Where the sink stored it.</summary>
    public string File { get; }

    /// <summary>The message parsed by <see cref="MimeMessage.Parse(byte[], ParserOptions?)"/>.</summary>
    public MimeMessage Parsed { get; }

    /// <summary>The decoded HTML part, or null.</summary>
    public string? Html { get; }

    /// <summary>The decoded text part, or null.</summary>
    public string? Text { get; }

    /// <summary>The HTML part's links (a and area elements with an href), in document order.</summary>
    public IReadOnlyList<SentLink> Links { get; }

    /// <summary>The HTML part's last image: the open pixel MailMesh adds at the end of the body.</summary>
    public string? Pixel { get; }

    /// <summary>The header section as sent (up to the blank line), CRLF line ends.</summary>
    public string HeaderBlock
    {
        get
        {
            var text = Encoding.UTF8.GetString(Raw);
            var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            return end < 0 ? text : text[..(end + 2)];
        }
    }

    /// <summary>The link whose text is <paramref name="text"/>.</summary>
    public SentLink Link(string text) =>
        Links.SingleOrDefault(l => l.Text == text)
        ?? throw new InvalidOperationException($"The message to {Recipient} has no link '{text}'; its links: {string.Join(", ", Links.Select(l => $"'{l.Text}' → {l.Href}"))}.");

    /// <summary>The https URL of the List-Unsubscribe header.</summary>
    public string ListUnsubscribeUrl
    {
        get
        {
            var header = Parsed.Headers["List-Unsubscribe"] ?? throw new InvalidOperationException($"The message to {Recipient} has no List-Unsubscribe header.");
            return header.Split(',').Select(p => p.Trim().Trim('<', '>')).First(p => p.StartsWith("http", StringComparison.Ordinal));
        }
    }

    /// <summary>Waits until the capture server holds a message for every one of <paramref name="recipients"/> (and no
    /// others tagged with <paramref name="tag"/> in their domain), then returns every message whose recipient carries
    /// <paramref name="tag"/>, by recipient (a recipient with two messages fails the caller's uniqueness check, not this).</summary>
    public static async Task<IReadOnlyDictionary<string, IReadOnlyList<SentMessage>>> CollectAsync(string tag, IReadOnlyCollection<string> recipients)
    {
        var capture = TestServers.SmtpCapture;
        var found = await Poll.UntilAsync(
            $"the capture server ({capture.Directory}) to hold a message for each of {string.Join(", ", recipients)}",
            () => Task.FromResult(Scan(capture, tag)),
            r => recipients.All(r.ContainsKey),
            describe: r => $"messages for [{string.Join(", ", r.Keys)}]");
        var result = new Dictionary<string, IReadOnlyList<SentMessage>>(StringComparer.OrdinalIgnoreCase);
        foreach (var (recipient, files) in found)
        {
            var messages = new List<SentMessage>();
            foreach (var (file, mailFrom) in files)
            {
                messages.Add(new SentMessage(recipient, mailFrom, await System.IO.File.ReadAllBytesAsync(file), file));
            }

            result[recipient] = messages;
        }

        return result;
    }

    /// <summary>The envelope recipients with <paramref name="tag"/> in their address whose message file is complete
    /// (the sink writes the envelope first, then renames the message into new/).</summary>
    private static Dictionary<string, List<(string File, string MailFrom)>> Scan(SmtpCaptureEndpoint capture, string tag)
    {
        var found = new Dictionary<string, List<(string, string)>>(StringComparer.OrdinalIgnoreCase);
        if (!Directory.Exists(capture.EnvelopesDirectory))
        {
            return found;
        }

        foreach (var envelopeFile in Directory.EnumerateFiles(capture.EnvelopesDirectory, "*.json"))
        {
            var text = System.IO.File.ReadAllText(envelopeFile);
            if (!text.Contains(tag, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var message = Path.Combine(capture.NewMessagesDirectory, Path.GetFileNameWithoutExtension(envelopeFile));
            if (!System.IO.File.Exists(message))
            {
                continue;
            }

            using var envelope = JsonDocument.Parse(text);
            var mailFrom = envelope.RootElement.GetProperty("mail_from").GetString() ?? "";
            foreach (var rcpt in envelope.RootElement.GetProperty("rcpt_tos").EnumerateArray().Select(e => e.GetString()!))
            {
                if (rcpt.Contains(tag, StringComparison.OrdinalIgnoreCase))
                {
                    (found.TryGetValue(rcpt, out var list) ? list : found[rcpt] = []).Add((message, mailFrom));
                }
            }
        }

        return found;
    }

    private static List<SentLink> ReadLinks(string html)
    {
        using var document = new HtmlParser().ParseDocument(html);
        return [.. document.QuerySelectorAll("a[href], area[href]").Select(a => new SentLink(a.TextContent.Trim(), a.GetAttribute("href")!))];
    }

    private static string? ReadPixel(string html)
    {
        using var document = new HtmlParser().ParseDocument(html);
        return document.QuerySelectorAll("img[src]").LastOrDefault()?.GetAttribute("src");
    }
}
