using MailMesh.Runtime;

namespace MailMesh.Grains.Mailboxes;

/// <summary>What is needed to create a mailbox.</summary>
/// <param name="DisplayName">Shown to people; 1–200 characters.</param>
/// <param name="Address">The mailbox's e-mail address, if it has one.</param>
[Immutable]
public sealed record CreateMailbox(string DisplayName, string? Address);

/// <summary>A mailbox as stored.</summary>
/// <param name="Tenant">Owning tenant.</param>
/// <param name="Name">Name within the tenant (the part of the key after the tenant).</param>
/// <param name="DisplayName">Shown to people.</param>
/// <param name="Address">E-mail address, if any.</param>
/// <param name="CreatedAt">When it was created.</param>
[Immutable]
public sealed record MailboxInfo(string Tenant, string Name, string DisplayName, string? Address, DateTimeOffset CreatedAt);

/// <summary>The mailbox exists already.</summary>
public sealed class MailboxAlreadyExistsException(string key)
    : InvalidOperationException($"Mailbox '{key}' already exists.")
{
    /// <summary>The mailbox's grain key.</summary>
    public string Key { get; } = key;
}
