using MailMesh.Runtime;

namespace MailMesh.Grains.Mailboxes;

/// <summary>One mailbox of a tenant, keyed <c>tenant/mailbox-name</c>. Its source sync, rules and sharing
/// arrive with their own features; this contract covers its life cycle.</summary>
public interface IMailboxGrain : IGrainWithStringKey
{
    /// <summary>Creates the mailbox and emits <c>mailbox.created</c>.</summary>
    /// <exception cref="MailboxAlreadyExistsException">The mailbox exists already.</exception>
    /// <exception cref="ArgumentException">A field is invalid; the message names it.</exception>
    Task<MailboxInfo> Create(CreateMailbox request);

    /// <summary>The mailbox, or null when it was never created.</summary>
    [ReadOnly]
    Task<MailboxInfo?> Get();
}

/// <summary>The tenant's list of mailboxes, keyed <c>tenant/mailboxes</c>.</summary>
public interface IMailboxDirectoryGrain : IGrainWithStringKey
{
    /// <summary>Records a mailbox (idempotent).</summary>
    Task Register(string name);

    /// <summary>Mailbox names in ordinal order, from <paramref name="after"/> (exclusive), at most
    /// <paramref name="limit"/>.</summary>
    [ReadOnly]
    Task<IReadOnlyList<string>> List(string? after, int limit);
}
