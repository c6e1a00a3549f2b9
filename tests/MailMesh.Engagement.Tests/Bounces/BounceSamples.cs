using System.Text;

namespace MailMesh.Engagement.Tests.Bounces;

/// <summary>Bounce messages in the shapes common MTAs send (written for the tests: addresses and hosts are examples).</summary>
internal static class BounceSamples
{
    public static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text.ReplaceLineEndings("\r\n"));

    /// <summary>A Postfix RFC 3464 DSN for <paramref name="recipient"/>, returned to <paramref name="returnPath"/>.</summary>
    public static string PostfixDsn(string recipient, string returnPath, string status = "5.1.1", string diagnostic = "550 5.1.1 <{0}>: Recipient address rejected: User unknown in virtual mailbox table", string action = "failed", string messageId = "original@example.com") => $"""
        Return-Path: <>
        Delivered-To: {returnPath}
        From: MAILER-DAEMON@mx.example.net (Mail Delivery System)
        Subject: Undelivered Mail Returned to Sender
        To: {returnPath}
        Auto-Submitted: auto-replied
        MIME-Version: 1.0
        Content-Type: multipart/report; report-type=delivery-status; boundary="B1"
        Message-Id: <20260101.ABC@mx.example.net>

        --B1
        Content-Description: Notification
        Content-Type: text/plain; charset=us-ascii

        This is the mail system at host mx.example.net.

        I'm sorry to have to inform you that your message could not
        be delivered to one or more recipients.

        <{recipient}>: host mail.example.org[192.0.2.10] said: {string.Format(System.Globalization.CultureInfo.InvariantCulture, diagnostic, recipient)} (in reply to RCPT TO command)

        --B1
        Content-Description: Delivery report
        Content-Type: message/delivery-status

        Reporting-MTA: dns; mx.example.net
        Arrival-Date: Thu, 1 Jan 2026 10:00:00 +0000 (UTC)

        Final-Recipient: rfc822; {recipient}
        Original-Recipient: rfc822;{recipient}
        Action: {action}
        Status: {status}
        Remote-MTA: dns; mail.example.org
        Diagnostic-Code: smtp; {string.Format(System.Globalization.CultureInfo.InvariantCulture, diagnostic, recipient)}

        --B1
        Content-Description: Undelivered Message Headers
        Content-Type: text/rfc822-headers

        Return-Path: <{returnPath}>
        From: News <news@shop.example.com>
        To: {recipient}
        Subject: Spring sale
        Message-ID: <{messageId}>
        X-Campaign: spring

        --B1--
        """;

    /// <summary>An Exim plain-text bounce.</summary>
    public static string EximText(string recipient, string returnPath, string error) => $"""
        Return-path: <>
        Envelope-to: {returnPath}
        From: Mail Delivery System <Mailer-Daemon@mx.example.net>
        To: {returnPath}
        Subject: Mail delivery failed: returning message to sender
        X-Failed-Recipients: {recipient}
        Auto-Submitted: auto-replied

        This message was created automatically by mail delivery software.

        A message that you sent could not be delivered to one or more of its
        recipients. This is a permanent error. The following address(es) failed:

          {recipient}
            host mail.example.org [192.0.2.10]
            SMTP error from remote mail server after RCPT TO:<{recipient}>:
            {error}

        ------ This is a copy of the message, including all the headers. ------

        Return-path: <{returnPath}>
        From: news@shop.example.com
        To: {recipient}
        Subject: Spring sale
        Message-Id: <original@example.com>

        Hello
        """;

    /// <summary>A qmail bounce.</summary>
    public static string Qmail(string recipient, string error) => $"""
        From: MAILER-DAEMON@mx.example.net
        To: news@shop.example.com
        Subject: failure notice

        Hi. This is the qmail-send program at mx.example.net.
        I'm afraid I wasn't able to deliver your message to the following addresses.
        This is a permanent error; I've given up. Sorry it didn't work out.

        <{recipient}>:
        192.0.2.10 does not like recipient.
        Remote host said: {error}
        Giving up on 192.0.2.10.

        --- Below this line is a copy of the message.

        Return-Path: <news@shop.example.com>
        Subject: Spring sale
        """;

    /// <summary>A sendmail text bounce with its transcript.</summary>
    public static string Sendmail(string recipient, string error) => $"""
        From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.net>
        To: <news@shop.example.com>
        Subject: Returned mail: see transcript for details

        The original message was received at Thu, 1 Jan 2026 10:00:00 GMT
        from shop.example.com [192.0.2.5]

           ----- The following addresses had permanent fatal errors -----
        <{recipient}>
            (reason: {error})

           ----- Transcript of session follows -----
        ... while talking to mail.example.org.:
        >>> RCPT To:<{recipient}>
        <<< {error}
        550 5.1.1 <{recipient}>... User unknown
        """;

    /// <summary>A Gmail-style plain bounce ("Delivery Status Notification (Failure)").</summary>
    public static string Gmail(string recipient) => $"""
        From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>
        To: news@shop.example.com
        Subject: Delivery Status Notification (Failure)

        ** Address not found **

        Your message wasn't delivered to {recipient} because the address couldn't be found, or is unable to receive mail.

        The response from the remote server was:
        550 5.1.1 The email account that you tried to reach does not exist. Please try double-checking the recipient's email address for typos or unnecessary spaces.
        """;

    /// <summary>An Office 365 / Exchange style DSN (the human part in HTML).</summary>
    public static string Office365(string recipient, string returnPath, string diagnostic, string status) => $"""
        From: Microsoft Outlook <postmaster@outlook.example.com>
        To: {returnPath}
        Subject: Undeliverable: Spring sale
        MIME-Version: 1.0
        Content-Type: multipart/report; report-type=delivery-status; boundary="X1"

        --X1
        Content-Type: text/html; charset=us-ascii

        <html><body><p>Your message to {recipient} couldn't be delivered.</p><p>{diagnostic}</p></body></html>

        --X1
        Content-Type: message/delivery-status

        Reporting-MTA: dns;DM6PR00MB0000.namprd00.prod.outlook.com
        Received-From-MTA: dns;shop.example.com
        Arrival-Date: Thu, 1 Jan 2026 10:00:00 +0000

        Final-Recipient: rfc822;{recipient}
        Action: failed
        Status: {status}
        Diagnostic-Code: smtp;{diagnostic}

        --X1--
        """;

    /// <summary>An ARF (RFC 5965) feedback report about a message to <paramref name="recipient"/>.</summary>
    public static string Arf(string recipient, string returnPath, string feedbackType = "abuse") => $"""
        From: <feedback@fbl.example.net>
        To: <fbl@shop.example.com>
        Subject: FW: Spring sale
        MIME-Version: 1.0
        Content-Type: multipart/report; report-type=feedback-report; boundary="F1"

        --F1
        Content-Type: text/plain

        This is an email abuse report for an email message received from IP 192.0.2.5.

        --F1
        Content-Type: message/feedback-report

        Feedback-Type: {feedbackType}
        User-Agent: ExampleFBL/1.0
        Version: 1
        Original-Mail-From: <{returnPath}>
        Original-Rcpt-To: <{recipient}>
        Source-IP: 192.0.2.5

        --F1
        Content-Type: message/rfc822

        Return-Path: <{returnPath}>
        From: news@shop.example.com
        To: {recipient}
        Subject: Spring sale
        Message-ID: <original@example.com>

        Hello
        --F1--
        """;

    /// <summary>An RFC 3834 vacation reply.</summary>
    public static string Vacation(string from) => $"""
        From: {from}
        To: news@shop.example.com
        Subject: Out of Office: Spring sale
        Auto-Submitted: auto-replied
        X-Autoreply: yes

        I am away until Monday and will read your message when I return.
        """;
}
