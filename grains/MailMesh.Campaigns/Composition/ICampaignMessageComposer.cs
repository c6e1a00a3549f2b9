using MailMesh.Grains.Campaigns;
using MailMesh.Grains.Contacts;

namespace MailMesh.Campaigns.Composition;

/// <summary>Turns a template and one contact into the finished, signed message: personalization, tracked links and the
/// open pixel, the one-click unsubscribe headers and visible link, the per-recipient return path, Message-ID and Date,
/// DKIM. Thread-safe; compiled templates are cached by content.</summary>
public interface ICampaignMessageComposer
{
    /// <summary>Composes one message.</summary>
    /// <exception cref="TemplateException">The template does not compile.</exception>
    /// <exception cref="ArgumentException">The request cannot make a valid message (e.g. a malformed sender); the message
    /// says which part.</exception>
    ValueTask<ComposedMessage> ComposeAsync(ComposeRequest request, CancellationToken cancellationToken = default);
}

/// <summary>One message to compose.</summary>
/// <param name="Tenant">The tenant.</param>
/// <param name="CampaignId">The campaign (tokens and headers name it; <c>test</c> for a test send).</param>
/// <param name="Template">The template content (a campaign passes its snapshot).</param>
/// <param name="Sender">From and reply-to.</param>
/// <param name="Contact">The recipient's contact (attributes for merge fields; its address is the recipient), or null for
/// a test send with no contact data.</param>
/// <param name="Recipient">The address to send to (the contact's display address, or a test address).</param>
/// <param name="List">The list the mail belongs to (unsubscribe scope), or null for global.</param>
/// <param name="SendId">The send's idempotency key (return path, Message-ID).</param>
/// <param name="TimeZone">The time zone for date helpers when the contact has no <c>time_zone</c>.</param>
/// <param name="Now">The Date header's time.</param>
/// <param name="Track">Whether to rewrite links and add the open pixel.</param>
public sealed record ComposeRequest(
    string Tenant, string CampaignId, TemplateDefinition Template, CampaignSender Sender, ContactInfo? Contact, string Recipient,
    string? List, SendId SendId, string TimeZone, DateTimeOffset Now, bool Track);

/// <summary>A finished message.</summary>
/// <param name="EnvelopeFrom">MAIL FROM: the per-recipient return path.</param>
/// <param name="Recipient">RCPT TO.</param>
/// <param name="MessageId">The Message-ID (without angle brackets).</param>
/// <param name="Content">The message bytes (CRLF line ends, signed).</param>
/// <param name="RequiresSmtpUtf8">Whether an address or header needs SMTPUTF8.</param>
/// <param name="MissingFields">Merge fields the contact had no value for.</param>
public sealed record ComposedMessage(
    string EnvelopeFrom, string Recipient, string MessageId, ReadOnlyMemory<byte> Content, bool RequiresSmtpUtf8, IReadOnlyList<string> MissingFields);
