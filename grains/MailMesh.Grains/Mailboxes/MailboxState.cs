namespace MailMesh.Grains.Mailboxes;

/// <summary>What a mailbox grain persists.</summary>
public sealed class MailboxState
{
    /// <summary>Shown to people.</summary>
    public string DisplayName { get; set; } = "";

    /// <summary>E-mail address, if any.</summary>
    public string? Address { get; set; }

    /// <summary>When the mailbox was created.</summary>
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>Whether the tenant's directory lists it (set once registration has completed).</summary>
    public bool Listed { get; set; }
}
