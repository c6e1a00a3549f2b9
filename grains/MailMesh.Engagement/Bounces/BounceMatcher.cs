using MailMesh.Campaigns.Composition;
using MailMesh.Grains.Campaigns;
using MailMesh.Mime;

namespace MailMesh.Engagement.Bounces;

/// <summary>Finds the send ids a bounce names, most trustworthy first: the VERP address the bounce was delivered to
/// (<c>{prefix}+{sendId}@domain</c> in Delivered-To, X-Original-To, Envelope-To, To), the DSN's envelope id, the
/// returned message's Return-Path, its Message-ID (<c>&lt;{sendId}.{campaign}@domain&gt;</c>), a complaint's
/// Original-Mail-From, and any X-header of the returned message that holds one.</summary>
public static class BounceMatcher
{
    private static readonly string[] s_envelopeHeaders = ["Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To", "To", "Original-Recipient"];

    /// <summary>The distinct send ids, in order of trust.</summary>
    public static IReadOnlyList<SendId> Candidates(MimeMessage bounce, BounceClassification classification)
    {
        ArgumentNullException.ThrowIfNull(bounce);
        ArgumentNullException.ThrowIfNull(classification);
        var found = new List<SendId>();
        foreach (var name in s_envelopeHeaders)
        {
            foreach (var header in bounce.Headers.FindAll(name))
            {
                AddAddresses(found, header.Value);
            }
        }

        AddAddresses(found, classification.EnvelopeId);
        if (classification.EnvelopeId is { } envid && SendId.TryParse(envid.Trim(), out var fromEnvid))
        {
            Add(found, fromEnvid);
        }

        var original = classification.Original;
        AddAddresses(found, original.ReturnPath);
        if (MessageIdSendId(original.MessageId) is { } fromMessageId)
        {
            Add(found, fromMessageId);
        }

        if (FeedbackMailFrom(bounce) is { } mailFrom)
        {
            AddAddresses(found, mailFrom);
        }

        foreach (var value in original.Headers.Values)
        {
            AddAddresses(found, value);
            if (SendId.TryParse(value.Trim(), out var plain))
            {
                Add(found, plain);
            }
        }

        return found;
    }

    /// <summary>The send id in a Message-ID of the form <c>{sendId}.{campaign}@domain</c> (brackets optional), or null.</summary>
    public static SendId? MessageIdSendId(string? messageId)
    {
        if (string.IsNullOrWhiteSpace(messageId))
        {
            return null;
        }

        var id = messageId.AsSpan().Trim().Trim("<>");
        var dot = id.IndexOf('.');
        return dot == SendId.TextLength && SendId.TryParse(id[..dot], out var sendId) ? sendId : null;
    }

    private static string? FeedbackMailFrom(MimeMessage bounce) =>
        MailMesh.Mime.Reports.FeedbackReport.FromMessage(bounce)?.OriginalMailFrom;

    private static void AddAddresses(List<SendId> found, string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return;
        }

        foreach (var token in value.Split([',', ';', ' ', '\t', '\r', '\n'], StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = token.Trim().Trim('<', '>', '"', '\'');
            if (candidate.StartsWith("rfc822", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (candidate.Contains('@', StringComparison.Ordinal) && ReturnPath.TryParse(candidate, out var id))
            {
                Add(found, id);
            }
        }
    }

    private static void Add(List<SendId> found, SendId id)
    {
        if (!found.Contains(id))
        {
            found.Add(id);
        }
    }
}
