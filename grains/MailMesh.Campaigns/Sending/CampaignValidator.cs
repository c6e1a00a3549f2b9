using MailMesh.Campaigns.Templates;
using MailMesh.Grains.Campaigns;

namespace MailMesh.Campaigns.Sending;

/// <summary>Checks a campaign definition; each problem names the field and what is wrong with it.</summary>
public static class CampaignValidator
{
    /// <summary>Longest maximum deferral (30 days).</summary>
    public static readonly TimeSpan MaxDeferralLimit = TimeSpan.FromDays(30);

    /// <summary>Throws <see cref="ArgumentException"/> for the first problem of <paramref name="definition"/>.</summary>
    public static void Validate(CampaignDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        Require(!string.IsNullOrWhiteSpace(definition.Name) && definition.Name.Length <= 200, "name", "the name is required and at most 200 characters.");
        Require(IsName(definition.Template), "template", $"'{definition.Template}' is not a template name (letters, digits, '-', '_', '.').");
        Require(IsName(definition.Segment), "segment", $"'{definition.Segment}' is not a segment name (letters, digits, '-', '_', '.').");
        Require(definition.List is null || IsName(definition.List), "list", $"'{definition.List}' is not a list name.");
        Require(definition.Sender is not null, "sender", "the sender is required.");
        Require(IsAddress(definition.Sender!.FromAddress), "sender.from_address", $"'{definition.Sender.FromAddress}' is not an address (local@domain).");
        Require(definition.Sender.ReplyTo is null || IsAddress(definition.Sender.ReplyTo), "sender.reply_to", $"'{definition.Sender.ReplyTo}' is not an address (local@domain).");
        Require(definition.Sender.FromName is null || (definition.Sender.FromName.Length <= 200 && !definition.Sender.FromName.Any(char.IsControl)),
            "sender.from_name", "the from name is at most 200 characters without line breaks or control characters.");
        Require(TemplateLocales.FindZone(definition.TimeZone) is not null, "time_zone",
            $"'{definition.TimeZone}' is not a known IANA time zone (e.g. Europe/Paris, America/New_York, UTC).");
        Require(definition.Windows is not null, "windows", "the windows are required (empty: any time).");
        for (var i = 0; i < definition.Windows!.Count; i++)
        {
            var window = definition.Windows[i];
            var field = $"windows[{i}]";
            Require(window is not null && window.Days is { Count: > 0 }, field, "a window names at least one day of the week.");
            Require(window!.Days.All(Enum.IsDefined), field, "a window's days must be days of the week.");
            Require(window.Days.Distinct().Count() == window.Days.Count, field, "a window names each day once.");
            Require(window.End > window.Start, field,
                $"the window ends ({window.End:HH\\:mm}) at or before it starts ({window.Start:HH\\:mm}); a window that crosses midnight is two windows.");
        }

        Require(definition.SpreadMinutes is >= 0 and <= 1440, "spread_minutes", $"the spread is {definition.SpreadMinutes} minutes; it must be 0-1440.");
        Require(definition.Throttle is not null, "throttle", "the throttle is required.");
        Require(definition.Throttle!.PerMinute >= 0, "throttle.per_minute", $"the overall limit is {definition.Throttle.PerMinute}; it must be 0 (none) or more.");
        Require(definition.Throttle.PerDomainPerMinute >= 0, "throttle.per_domain_per_minute",
            $"the per-domain limit is {definition.Throttle.PerDomainPerMinute}; it must be 0 (none) or more.");
        Require(definition.MaxDeferral > TimeSpan.Zero && definition.MaxDeferral <= MaxDeferralLimit, "max_deferral",
            $"the maximum deferral is {definition.MaxDeferral}; it must be more than 0 and at most {MaxDeferralLimit.TotalDays} days.");
    }

    private static void Require(bool condition, string field, string message)
    {
        if (!condition)
        {
            throw new ArgumentException($"{field}: {message}", field);
        }
    }

    private static bool IsName(string? name) =>
        !string.IsNullOrEmpty(name) && name.Length <= 100 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    private static bool IsAddress(string? address)
    {
        if (string.IsNullOrWhiteSpace(address) || address.Length > 254 || address.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is '<' or '>'))
        {
            return false;
        }

        var at = address.LastIndexOf('@');
        return at > 0 && at < address.Length - 1 && address.IndexOf('.', at) > at + 1;
    }
}
