using System.Globalization;
using System.Text;

namespace MailMesh.EndToEnd.Tests.Support;

/// <summary>Mail that comes back to a campaign's return path, in the shapes real systems send, built around a message
/// the capture server actually received: a Postfix RFC 3464 DSN, an RFC 3834 auto-reply, an RFC 5965 (ARF) complaint
/// from a feedback loop, and a person's reply that is none of these. Each is what the bounce domain's MTA would store in
/// the bounce mailbox (so it carries the Delivered-To/X-Original-To the MTA adds).</summary>
public static class ReturnedMail
{
    private const string Mta = "mx.recipient.example";

    /// <summary>A Postfix DSN for <paramref name="sent"/>'s recipient: <paramref name="status"/> (e.g. 5.1.1) with the
    /// remote server's <paramref name="reply"/> (e.g. <c>550 5.1.1 ... User unknown</c>).</summary>
    public static byte[] Dsn(SentMessage sent, string status, string reply, string action = "failed")
    {
        ArgumentNullException.ThrowIfNull(sent);
        var date = Date();
        var boundary = "dsn-" + Guid.NewGuid().ToString("N")[..12];
        var queueId = Guid.NewGuid().ToString("N")[..10].ToUpperInvariant();
        return Crlf($"""
            Return-Path: <>
            X-Original-To: {sent.MailFrom}
            Delivered-To: {sent.MailFrom}
            Received: from {Mta} ({Mta} [192.0.2.25]) by mx.bounces.shop.example (Postfix) with ESMTPS id {queueId}; {date}
            Date: {date}
            From: MAILER-DAEMON@{Mta} (Mail Delivery System)
            Subject: Undelivered Mail Returned to Sender
            To: {sent.MailFrom}
            Auto-Submitted: auto-replied
            MIME-Version: 1.0
            Content-Type: multipart/report; report-type=delivery-status; boundary="{boundary}"
            Content-Transfer-Encoding: 7bit
            Message-Id: <{queueId}.{Guid.NewGuid():N}@{Mta}>

            This is a MIME-encapsulated message.

            --{boundary}
            Content-Description: Notification
            Content-Type: text/plain; charset=us-ascii

            This is the mail system at host {Mta}.

            I'm sorry to have to inform you that your message could not
            be delivered to one or more recipients. It's attached below.

            For further assistance, please send mail to postmaster.

            If you do so, please include this problem report. You can
            delete your own text from the attached returned message.

                               The mail system

            <{sent.Recipient}>: host mail.recipient.example[192.0.2.26] said: {reply} (in reply to RCPT TO command)

            --{boundary}
            Content-Description: Delivery report
            Content-Type: message/delivery-status

            Reporting-MTA: dns; {Mta}
            X-Postfix-Queue-ID: {queueId}
            X-Postfix-Sender: rfc822; {sent.MailFrom}
            Arrival-Date: {date}

            Final-Recipient: rfc822; {sent.Recipient}
            Original-Recipient: rfc822;{sent.Recipient}
            Action: {action}
            Status: {status}
            Remote-MTA: dns; mail.recipient.example
            Diagnostic-Code: smtp; {reply}

            --{boundary}
            Content-Description: Undelivered Message Headers
            Content-Type: text/rfc822-headers

            Return-Path: <{sent.MailFrom}>
            {sent.HeaderBlock.TrimEnd()}

            --{boundary}--
            """);
    }

    /// <summary>An out-of-office reply from <paramref name="sent"/>'s recipient to the return path (RFC 3834: replies go
    /// to the envelope sender and say Auto-Submitted).</summary>
    public static byte[] AutoReply(SentMessage sent)
    {
        ArgumentNullException.ThrowIfNull(sent);
        var date = Date();
        return Crlf($"""
            Return-Path: <>
            X-Original-To: {sent.MailFrom}
            Delivered-To: {sent.MailFrom}
            Date: {date}
            From: {sent.Recipient}
            To: {sent.MailFrom}
            Subject: Automatic reply: {sent.Parsed.Subject}
            Auto-Submitted: auto-replied
            Precedence: bulk
            X-Autoreply: yes
            In-Reply-To: <{sent.Parsed.MessageId}>
            References: <{sent.Parsed.MessageId}>
            Message-ID: <ooo.{Guid.NewGuid():N}@recipient.example>
            MIME-Version: 1.0
            Content-Type: text/plain; charset=us-ascii

            I am out of the office until Monday 7 December, with no access to my mail.
            For urgent matters please call the front desk.
            """);
    }

    /// <summary>An abuse complaint about <paramref name="sent"/> from a mailbox provider's feedback loop, sent to the
    /// sender's feedback address (not the return path: it is matched by the report's Original-Mail-From and the returned
    /// message).</summary>
    public static byte[] Complaint(SentMessage sent, string feedbackAddress)
    {
        ArgumentNullException.ThrowIfNull(sent);
        var date = Date();
        var boundary = "arf-" + Guid.NewGuid().ToString("N")[..12];
        var original = Encoding.UTF8.GetString(sent.Raw).TrimEnd('\r', '\n');
        return Crlf($"""
            Return-Path: <fbl-bounces@fbl.recipient.example>
            Delivered-To: {feedbackAddress}
            Date: {date}
            From: Feedback Loop <fbl@fbl.recipient.example>
            To: {feedbackAddress}
            Subject: FW: {sent.Parsed.Subject}
            Message-ID: <fbl.{Guid.NewGuid():N}@fbl.recipient.example>
            MIME-Version: 1.0
            Content-Type: multipart/report; report-type=feedback-report; boundary="{boundary}"

            --{boundary}
            Content-Type: text/plain; charset=us-ascii
            Content-Transfer-Encoding: 7bit

            This is an email abuse report for an email message received from IP 192.0.2.40 on {date}.
            For more information about this format please see https://www.rfc-editor.org/rfc/rfc5965.

            --{boundary}
            Content-Type: message/feedback-report

            Feedback-Type: abuse
            User-Agent: RecipientFBL/1.0
            Version: 1
            Original-Mail-From: <{sent.MailFrom}>
            Original-Rcpt-To: <{sent.Recipient}>
            Arrival-Date: {date}
            Reported-Domain: shop.example
            Source-IP: 192.0.2.40

            --{boundary}
            Content-Type: message/rfc822
            Content-Disposition: inline

            {original}

            --{boundary}--
            """);
    }

    /// <summary>A person's message to the return path that is neither a bounce, an auto-reply nor a complaint.</summary>
    public static byte[] Unclassifiable(string returnPath, string subject)
    {
        var date = Date();
        return Crlf($"""
            Return-Path: <someone@elsewhere.example>
            X-Original-To: {returnPath}
            Delivered-To: {returnPath}
            Date: {date}
            From: Someone <someone@elsewhere.example>
            To: {returnPath}
            Subject: {subject}
            Message-ID: <note.{Guid.NewGuid():N}@elsewhere.example>
            MIME-Version: 1.0
            Content-Type: text/plain; charset=us-ascii

            Hello, I found this address on an envelope. Is the shop open on Sundays?
            """);
    }

    /// <summary>The Message-ID of a built message (without brackets).</summary>
    public static string MessageId(byte[] message)
    {
        using var parsed = MailMesh.Mime.MimeMessage.Parse(message);
        return parsed.MessageId ?? throw new InvalidOperationException("The built message has no Message-ID.");
    }

    private static string Date() => DateTimeOffset.UtcNow.ToString("ddd, d MMM yyyy HH:mm:ss '+0000'", CultureInfo.InvariantCulture);

    private static byte[] Crlf(string text) => Encoding.UTF8.GetBytes(text.ReplaceLineEndings("\r\n") + "\r\n");
}
