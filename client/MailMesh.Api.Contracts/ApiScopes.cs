namespace MailMesh.Api.V1;

/// <summary>The scopes an API key can grant (see <c>protos/mailmesh/v1/admin.proto</c>).</summary>
public static class ApiScopes
{
    /// <summary>Read mailboxes.</summary>
    public const string MailboxesRead = "mailboxes:read";

    /// <summary>Create and change mailboxes.</summary>
    public const string MailboxesWrite = "mailboxes:write";

    /// <summary>Act for a user of the tenant (header <c>x-mailmesh-user</c>) on mailbox calls; see docs/adr/sharing-01-users-access-and-audit.md.</summary>
    public const string MailboxesDelegate = "mailboxes:delegate";

    /// <summary>Read contacts.</summary>
    public const string ContactsRead = "contacts:read";

    /// <summary>Change contacts.</summary>
    public const string ContactsWrite = "contacts:write";

    /// <summary>Read campaigns.</summary>
    public const string CampaignsRead = "campaigns:read";

    /// <summary>Create and run campaigns.</summary>
    public const string CampaignsWrite = "campaigns:write";

    /// <summary>Subscribe to events.</summary>
    public const string EventsRead = "events:read";

    /// <summary>Everything within the key's tenant, including key management.</summary>
    public const string Admin = "admin";

    /// <summary>Every scope a key may be given, including the <c>area:*</c> wildcards.</summary>
    public static IReadOnlyList<string> All { get; } =
    [
        MailboxesRead, MailboxesWrite, MailboxesDelegate, "mailboxes:*",
        ContactsRead, ContactsWrite, "contacts:*",
        CampaignsRead, CampaignsWrite, "campaigns:*",
        EventsRead, "events:*",
        Admin,
    ];

    /// <summary>Whether <paramref name="granted"/> includes <paramref name="required"/>.</summary>
    public static bool Grants(IEnumerable<string> granted, string required)
    {
        ArgumentNullException.ThrowIfNull(granted);
        ArgumentNullException.ThrowIfNull(required);
        var colon = required.IndexOf(':', StringComparison.Ordinal);
        var wildcard = colon > 0 ? required[..colon] + ":*" : null;
        foreach (var scope in granted)
        {
            if (scope == Admin || scope == required || (wildcard is not null && scope == wildcard))
            {
                return true;
            }
        }

        return false;
    }
}
