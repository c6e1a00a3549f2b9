using MailMesh.Grains.Contacts;

namespace MailMesh.Audience.Contacts;

/// <summary>What a contact grain persists.</summary>
public sealed class ContactState
{
    /// <summary>The address with a Unicode domain.</summary>
    public string DisplayAddress { get; set; } = "";

    /// <summary>Typed attributes by name.</summary>
    public Dictionary<string, AttributeValue> Attributes { get; set; } = new(StringComparer.Ordinal);

    /// <summary>List memberships, sorted.</summary>
    public List<string> Lists { get; set; } = [];

    /// <summary>The append-only consent ledger, oldest first.</summary>
    public List<ConsentEntry> Consent { get; set; } = [];

    /// <summary>Current suppressions.</summary>
    public List<Suppression> Suppressions { get; set; } = [];

    /// <summary>Engagement (written by tracking).</summary>
    public ContactEngagement Engagement { get; set; } = new();

    /// <summary>Whether the address is a role address.</summary>
    public bool RoleAddress { get; set; }

    /// <summary>Created.</summary>
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>Last changed.</summary>
    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>Grows with every write; the read model row carries it.</summary>
    public long Version { get; set; }
}
