namespace MailMesh.Sieve.Interpretation;

/// <summary>An action the script decided; the host carries it out.</summary>
public abstract record SieveAction
{
    /// <summary>The action's Sieve name ("keep", "fileinto", ...), as Pigeonhole's result listing names it.</summary>
    public abstract string Name { get; }

    /// <summary>True when the action delivers the message somewhere (cancels implicit keep unless :copy).</summary>
    public virtual bool StoresMessage => false;
}

/// <summary>Store in the user's main mailbox (explicit <c>keep</c>, or implicit keep when <see cref="Implicit"/>).</summary>
/// <param name="Flags">IMAP flags to set (imap4flags).</param>
/// <param name="Implicit">True when no action cancelled implicit keep.</param>
public sealed record KeepAction(IReadOnlyList<string> Flags, bool Implicit = false) : SieveAction
{
    /// <inheritdoc />
    public override string Name => "keep";

    /// <inheritdoc />
    public override bool StoresMessage => true;
}

/// <summary>Store in <paramref name="Mailbox"/>.</summary>
/// <param name="Mailbox">Target mailbox name (UTF-8, hierarchy as written in the script).</param>
/// <param name="Flags">IMAP flags to set (imap4flags).</param>
/// <param name="Copy">:copy (RFC 3894): implicit keep is not cancelled.</param>
/// <param name="Create">:create (RFC 5490): create the mailbox when missing.</param>
public sealed record FileIntoAction(string Mailbox, IReadOnlyList<string> Flags, bool Copy = false, bool Create = false) : SieveAction
{
    /// <inheritdoc />
    public override string Name => "fileinto";

    /// <inheritdoc />
    public override bool StoresMessage => true;
}

/// <summary>Forward the message unchanged to <paramref name="Address"/>.</summary>
/// <param name="Address">The target address.</param>
/// <param name="Copy">:copy (RFC 3894): implicit keep is not cancelled.</param>
public sealed record RedirectAction(string Address, bool Copy = false) : SieveAction
{
    /// <inheritdoc />
    public override string Name => "redirect";
}

/// <summary>Silently drop the message.</summary>
public sealed record DiscardAction : SieveAction
{
    /// <inheritdoc />
    public override string Name => "discard";
}

/// <summary>Refuse the message (RFC 5429): an MDN-style reject, or with <paramref name="Extended"/> an SMTP-level refusal.</summary>
/// <param name="Reason">The text to give the sender.</param>
/// <param name="Extended">True for <c>ereject</c>.</param>
public sealed record RejectAction(string Reason, bool Extended) : SieveAction
{
    /// <inheritdoc />
    public override string Name => Extended ? "ereject" : "reject";
}

/// <summary>Send an auto-reply (RFC 5230). The interpreter already decided a reply is due.</summary>
/// <param name="Recipient">Who gets the reply (the sender of the message).</param>
/// <param name="Reason">Reply body (a MIME entity when <paramref name="Mime"/>).</param>
/// <param name="Subject">Reply subject ("Auto: " + the original subject when not given).</param>
/// <param name="From">Reply From, when given.</param>
/// <param name="Mime">:mime: <paramref name="Reason"/> is a MIME entity.</param>
/// <param name="Handle">The handle identifying this vacation response (RFC 5230 :handle).</param>
/// <param name="Period">The minimum time between replies to one sender.</param>
/// <param name="InReplyTo">The original Message-ID, for In-Reply-To/References.</param>
public sealed record VacationAction(string Recipient, string Reason, string Subject, string? From, bool Mime, string Handle, TimeSpan Period, string? InReplyTo) : SieveAction
{
    /// <summary>The user's address the message was sent to (found in To, Cc, Bcc or Resent-*), when one was: the
    /// natural From of the reply when the script gave no :from (RFC 5230 section 4.5).</summary>
    public string? UserAddress { get; init; }

    /// <inheritdoc />
    public override string Name => "vacation";
}
