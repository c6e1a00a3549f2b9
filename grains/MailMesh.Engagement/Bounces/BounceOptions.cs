namespace MailMesh.Engagement.Bounces;

/// <summary>Bounce and complaint processing settings (configuration section <c>Bounces</c>; environment variables
/// <c>MAILMESH__BOUNCES__...</c>).</summary>
public sealed class BounceOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Bounces";

    /// <summary>Mailbox grain keys (<c>tenant/mailbox-id</c>) whose new messages are bounces to process
    /// (<c>Bounces:Mailboxes:0</c>, <c>Bounces:Mailboxes:1</c>, ...). Empty: no mailbox is read.</summary>
    public List<string> Mailboxes { get; set; } = [];

    /// <summary>Soft bounces within <see cref="SoftBounceWindow"/> that suppress a contact (default 3; 0 never).</summary>
    public int SoftBounceLimit { get; set; } = 3;

    /// <summary>The window soft bounces are counted in (default 30 days).</summary>
    public TimeSpan SoftBounceWindow { get; set; } = TimeSpan.FromDays(30);

    /// <summary>The SQLite file of the review list, the processed message ids and the event-log cursor (default
    /// <c>{data}/bounces.db</c>).</summary>
    public string? DatabasePath { get; set; }

    /// <summary>Per-tenant webhook secrets (<c>Bounces:WebhookSecrets:{tenant}</c>): a provider posts to
    /// <c>/webhooks/bounces/{tenant}</c> signed with the tenant's secret. A tenant without a secret gets 401.</summary>
    public Dictionary<string, string> WebhookSecrets { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Largest webhook body accepted, in bytes (default 256 KiB).</summary>
    public int WebhookMaxBodyBytes { get; set; } = 256 * 1024;

    /// <summary>How far a webhook's timestamp may be from the server's clock (default 5 minutes): older signed requests
    /// are refused as replays.</summary>
    public TimeSpan WebhookTolerance { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Events read from the log per batch by the bounce mailbox reader (default 100).</summary>
    public int BatchSize { get; set; } = 100;
}
