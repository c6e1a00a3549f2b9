using MailMesh.Sieve.Interpretation;

namespace MailMesh.Sieve.Extensions.MailMesh;

/// <summary>Assign the conversation to a member of the shared mailbox (<c>assign "user"</c>).</summary>
/// <param name="User">The member's user name.</param>
public sealed record AssignAction(string User) : SieveAction
{
    /// <inheritdoc />
    public override string Name => "assign";
}

/// <summary>Attach a tag to the message (<c>tag "name"</c>).</summary>
/// <param name="Tag">The tag.</param>
public sealed record TagAction(string Tag) : SieveAction
{
    /// <inheritdoc />
    public override string Name => "tag";
}

/// <summary>The message's priority levels.</summary>
public enum MailMeshPriority
{
    /// <summary>low</summary>
    Low,

    /// <summary>normal</summary>
    Normal,

    /// <summary>high</summary>
    High,
}

/// <summary>Set the message's priority (<c>priority "high|normal|low"</c>).</summary>
/// <param name="Priority">The level.</param>
public sealed record PriorityAction(MailMeshPriority Priority) : SieveAction
{
    /// <inheritdoc />
    public override string Name => "priority";
}

/// <summary>Emit an event for integrators (<c>notify [:message "text"] "event"</c>).</summary>
/// <param name="Event">The event name.</param>
/// <param name="Message">Optional text carried by the event.</param>
public sealed record NotifyAction(string Event, string? Message) : SieveAction
{
    /// <inheritdoc />
    public override string Name => "notify";
}

/// <summary>Keep the message for <paramref name="Days"/> days, then delete it (<c>retain :days N</c>).</summary>
/// <param name="Days">Retention in days.</param>
public sealed record RetainAction(int Days) : SieveAction
{
    /// <inheritdoc />
    public override string Name => "retain";
}

/// <summary>Move the message to the archive when the retention policy runs (<c>archive</c>).</summary>
public sealed record ArchiveAction : SieveAction
{
    /// <inheritdoc />
    public override string Name => "archive";
}
