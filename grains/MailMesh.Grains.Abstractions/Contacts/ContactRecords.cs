using MailMesh.Runtime;

namespace MailMesh.Grains.Contacts;

/// <summary>Whether a consent entry gives or takes back consent.</summary>
public enum ConsentAction
{
    /// <summary>Consent given (explicit opt-in).</summary>
    Granted = 0,

    /// <summary>Consent withdrawn.</summary>
    Withdrawn = 1,
}

/// <summary>One entry of a contact's append-only consent ledger.</summary>
/// <param name="Id">Unique within the contact; an entry whose id is already recorded is ignored (so a retried import
/// or call records it once).</param>
/// <param name="Purpose">What was consented to: <c>*</c> (all marketing mail) or a list name.</param>
/// <param name="Action">Granted or withdrawn.</param>
/// <param name="At">When.</param>
/// <param name="Source">Where it came from, e.g. <c>import:2026-05-newsletter.csv</c>, <c>api</c>, <c>form</c>.</param>
/// <param name="Form">The form or page, when known.</param>
/// <param name="Ip">The IP address the consent came from, when known.</param>
/// <param name="Text">The wording the person agreed to, when known.</param>
[Immutable]
public sealed record ConsentEntry(
    string Id, string Purpose, ConsentAction Action, DateTimeOffset At, string Source, string? Form = null, string? Ip = null, string? Text = null);

/// <summary>Why a contact must not be mailed.</summary>
public enum SuppressionReason
{
    /// <summary>The contact unsubscribed (from one list, or from everything).</summary>
    Unsubscribed = 0,

    /// <summary>Mail to the address bounced permanently.</summary>
    HardBounced = 1,

    /// <summary>The contact reported mail as spam.</summary>
    Complained = 2,

    /// <summary>Suppressed by hand.</summary>
    Manual = 3,
}

/// <summary>One suppression of a contact.</summary>
/// <param name="Scope"><c>*</c> for all mail, otherwise the list it applies to (only for unsubscribes).</param>
/// <param name="Reason">Why.</param>
/// <param name="At">When.</param>
/// <param name="Detail">A note: the bounce diagnostic, who suppressed it, …</param>
[Immutable]
public sealed record Suppression(string Scope, SuppressionReason Reason, DateTimeOffset At, string? Detail = null);

/// <summary>Engagement of a contact; filled by tracking (opens, clicks).</summary>
/// <param name="LastOpenAt">Last open.</param>
/// <param name="LastClickAt">Last click.</param>
/// <param name="Opens">Opens counted.</param>
/// <param name="Clicks">Clicks counted.</param>
/// <param name="Score">Engagement score (0–100).</param>
/// <param name="Status">A label such as <c>active</c>, <c>inactive</c>, <c>non_responder</c>.</param>
[Immutable]
public sealed record ContactEngagement(DateTimeOffset? LastOpenAt = null, DateTimeOffset? LastClickAt = null, long Opens = 0, long Clicks = 0, double Score = 0, string? Status = null);

/// <summary>A contact as stored.</summary>
/// <param name="Tenant">Owning tenant.</param>
/// <param name="Address">Normalized address (lower case, ASCII domain); the key after the tenant.</param>
/// <param name="DisplayAddress">The address with its domain in Unicode (as people read it).</param>
/// <param name="Attributes">Typed attributes by name.</param>
/// <param name="Lists">Lists the contact belongs to, sorted.</param>
/// <param name="Consent">The consent ledger, oldest first.</param>
/// <param name="Suppressions">Current suppressions.</param>
/// <param name="Engagement">Engagement.</param>
/// <param name="RoleAddress">Whether the local part names a role (info@, sales@, …) rather than a person.</param>
/// <param name="CreatedAt">When it was created.</param>
/// <param name="UpdatedAt">When it last changed.</param>
/// <param name="Version">Grows with every change.</param>
[Immutable]
public sealed record ContactInfo(
    string Tenant, string Address, string DisplayAddress, IReadOnlyDictionary<string, AttributeValue> Attributes, IReadOnlyList<string> Lists,
    IReadOnlyList<ConsentEntry> Consent, IReadOnlyList<Suppression> Suppressions, ContactEngagement Engagement, bool RoleAddress,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, long Version)
{
    /// <summary>Whether mail may go to the contact at all (no global suppression).</summary>
    public bool Mailable => !Suppressions.Any(s => s.Scope == "*");

    /// <summary>Whether mail of <paramref name="list"/> may go to the contact: a member, not suppressed globally or for it.</summary>
    public bool MailableFor(string list) => Lists.Contains(list, StringComparer.Ordinal) && !Suppressions.Any(s => s.Scope == "*" || s.Scope == list);
}

/// <summary>A change to a contact, applied atomically (all of it or nothing).</summary>
/// <param name="Attributes">Attributes to set; a null value removes the attribute.</param>
/// <param name="AddLists">Lists to join.</param>
/// <param name="RemoveLists">Lists to leave.</param>
/// <param name="Consent">Consent entries to append (entries already recorded, by id, are skipped).</param>
/// <param name="Source">What made the change (for events), e.g. <c>api</c> or <c>import:&lt;id&gt;</c>.</param>
[Immutable]
public sealed record ContactChange(
    IReadOnlyDictionary<string, AttributeValue?>? Attributes = null, IReadOnlyList<string>? AddLists = null, IReadOnlyList<string>? RemoveLists = null,
    IReadOnlyList<ConsentEntry>? Consent = null, string Source = "api");

/// <summary>The outcome of <see cref="IContactGrain.Upsert"/>.</summary>
/// <param name="Contact">The contact afterwards.</param>
/// <param name="Created">Whether the call created it.</param>
/// <param name="Changed">Whether anything changed.</param>
[Immutable]
public sealed record ContactUpsertResult(ContactInfo Contact, bool Created, bool Changed);

/// <summary>The contact does not exist.</summary>
public sealed class ContactNotFoundException(string key) : InvalidOperationException($"Contact '{key}' does not exist.")
{
    /// <summary>The contact's grain key.</summary>
    public string Key { get; } = key;
}

/// <summary>The contact exists already (from <see cref="IContactGrain.Create"/>).</summary>
public sealed class ContactAlreadyExistsException(string key) : InvalidOperationException($"Contact '{key}' already exists.")
{
    /// <summary>The contact's grain key.</summary>
    public string Key { get; } = key;
}

/// <summary>A contact as listings show it (from the read model).</summary>
/// <param name="Address">Normalized address.</param>
/// <param name="Mailable">Whether no global suppression applies.</param>
/// <param name="RoleAddress">Whether it is a role address.</param>
/// <param name="UpdatedAt">Last change.</param>
/// <param name="Version">Contact version.</param>
[Immutable]
public sealed record ContactSummary(string Address, bool Mailable, bool RoleAddress, DateTimeOffset UpdatedAt, long Version);

/// <summary>A page of contacts.</summary>
/// <param name="Contacts">The contacts, in address order.</param>
/// <param name="Total">How many contacts the tenant has.</param>
[Immutable]
public sealed record ContactPage(IReadOnlyList<ContactSummary> Contacts, long Total);
