using MailMesh.Sieve.Extensions.Core;
using MailMesh.Sieve.Interpretation;

namespace MailMesh.Sieve.Extensions.Vacation;

/// <summary>When not to send an auto-reply (RFC 5230 section 4.5-4.6, RFC 3834 section 2).</summary>
internal static class VacationRules
{
    private static readonly string[] ListHeaders = ["list-id", "list-help", "list-subscribe", "list-unsubscribe", "list-post", "list-owner", "list-archive"];
    private static readonly string[] SystemLocalParts = ["mailer-daemon", "listserv", "majordomo", "postmaster", "noreply", "no-reply"];

    /// <summary>Why not to reply, or null; <paramref name="userAddress"/> is the user's address found among the recipients.</summary>
    public static string? WhyNotReply(SieveRuntime runtime, string? sender, IReadOnlyList<string> ownAddresses, out string? userAddress)
    {
        userAddress = null;
        if (string.IsNullOrEmpty(sender))
        {
            return "the message has no return path";
        }

        if (MessageValues.Header(runtime, "auto-submitted").FirstOrDefault() is { } auto && !auto.StartsWith("no", StringComparison.OrdinalIgnoreCase))
        {
            return $"the message is auto-submitted ({auto})";
        }

        if (MessageValues.Header(runtime, "precedence").FirstOrDefault() is { } precedence
            && precedence.ToLowerInvariant() is "bulk" or "list" or "junk")
        {
            return $"the message has Precedence: {precedence}";
        }

        if (MessageValues.Header(runtime, "x-auto-response-suppress").FirstOrDefault() is { } suppress
            && suppress.Split([',', ' '], StringSplitOptions.RemoveEmptyEntries).Any(v => v.Equals("all", StringComparison.OrdinalIgnoreCase) || v.Equals("oof", StringComparison.OrdinalIgnoreCase)))
        {
            return $"the sender asked for no automatic replies (X-Auto-Response-Suppress: {suppress})";
        }

        if (ListHeaders.FirstOrDefault(runtime.Headers.Contains) is { } list)
        {
            return $"the message came through a mailing list ({list})";
        }

        var local = sender.Split('@')[0].ToLowerInvariant();
        if (SystemLocalParts.Contains(local) || local.StartsWith("owner-", StringComparison.Ordinal) || local.EndsWith("-request", StringComparison.Ordinal))
        {
            return $"the sender {sender} is a system or list address";
        }

        if (ownAddresses.Any(a => a.Equals(sender, StringComparison.OrdinalIgnoreCase)))
        {
            return "the sender is the user";
        }

        // "Implicitly delivered" can only be judged when it is known whom the message was delivered to: the
        // envelope recipient or the user's configured addresses (:addresses alone only widens the match).
        var recipientKnown = runtime.Envelope.To is not null || runtime.Options.UserAddresses.Count > 0;
        var recipients = new[] { "to", "cc", "bcc", "resent-to", "resent-cc", "resent-bcc" }
            .SelectMany(h => MessageValues.Addresses(runtime, h, "all"));
        userAddress = recipients.FirstOrDefault(r => ownAddresses.Any(a => a.Equals(r, StringComparison.OrdinalIgnoreCase)));
        if (userAddress is null && ownAddresses.Count > 0 && recipientKnown && runtime.Options.VacationChecksRecipient)
        {
            return "none of the user's addresses is among the message's recipients";
        }

        return null;
    }
}
