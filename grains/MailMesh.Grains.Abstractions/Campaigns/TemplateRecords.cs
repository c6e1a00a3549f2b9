using MailMesh.Runtime;

namespace MailMesh.Grains.Campaigns;

/// <summary>A message template: Handlebars for the subject, the HTML part and the text part (generated from the HTML when
/// absent). Merge fields are contact attributes (<c>{{first_name}}</c>), <c>{{email}}</c>, <c>{{lists}}</c> and
/// <c>{{unsubscribe_url}}</c>; <c>{{default x "…"}}</c> gives a missing value a default.</summary>
/// <param name="Name">Its name (letters, digits, <c>-_.</c>).</param>
/// <param name="Subject">Subject template.</param>
/// <param name="Html">HTML part template, or null.</param>
/// <param name="Text">Text part template, or null (then generated from the HTML). One of the two is required.</param>
/// <param name="Locale">Locale for dates and numbers when the contact has none (e.g. <c>fr-FR</c>).</param>
/// <param name="Description">What it is for.</param>
[Immutable]
public sealed record TemplateDefinition(string Name, string Subject, string? Html, string? Text, string Locale = "en-US", string? Description = null);

/// <summary>A saved template.</summary>
[Immutable]
public sealed record TemplateInfo(TemplateDefinition Definition, int Version, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <summary>One problem found in a template.</summary>
/// <param name="Part"><c>subject</c>, <c>html</c> or <c>text</c>.</param>
/// <param name="Line">1-based line.</param>
/// <param name="Column">1-based column.</param>
/// <param name="Message">What is wrong.</param>
[Immutable]
public sealed record TemplateDiagnostic(string Part, int Line, int Column, string Message);

/// <summary>A template does not compile; <see cref="Diagnostics"/> says where.</summary>
public sealed class TemplateException(IReadOnlyList<TemplateDiagnostic> diagnostics)
    : ArgumentException(string.Join("; ", diagnostics.Select(d => $"{d.Part} {d.Line}:{d.Column}: {d.Message}")))
{
    /// <summary>The problems, in order.</summary>
    public IReadOnlyList<TemplateDiagnostic> Diagnostics { get; } = diagnostics;
}

/// <summary>A template rendered for one contact.</summary>
/// <param name="Subject">The subject.</param>
/// <param name="Html">The HTML part, or null.</param>
/// <param name="Text">The text part.</param>
/// <param name="MissingFields">Merge fields the contact has no value for (and no default covered).</param>
/// <param name="Mime">The whole message as it would be sent (headers included, unsigned).</param>
[Immutable]
public sealed record TemplatePreview(string Subject, string? Html, string Text, IReadOnlyList<string> MissingFields, string Mime);

/// <summary>What happened to one test-send address.</summary>
/// <param name="Address">The address.</param>
/// <param name="Accepted">Whether the relay accepted it.</param>
/// <param name="Code">The relay's reply code (0 when the connection failed).</param>
/// <param name="Reply">The relay's reply or the failure.</param>
[Immutable]
public sealed record TestSendOutcome(string Address, bool Accepted, int Code, string Reply);

/// <summary>A tenant's templates, keyed <c>tenant/templates</c>.</summary>
public interface ITemplateDirectoryGrain : IGrainWithStringKey
{
    /// <summary>Compiles and saves a template (a new version when it exists and <paramref name="replace"/> is set).</summary>
    /// <exception cref="TemplateException">It does not compile; the diagnostics give part, line and column.</exception>
    /// <exception cref="ArgumentException">The name is malformed, both parts are missing, or it exists and replace is not set.</exception>
    Task<TemplateInfo> Save(TemplateDefinition definition, bool replace);

    /// <summary>The template, or null.</summary>
    [ReadOnly]
    Task<TemplateInfo?> Get(string name);

    /// <summary>All templates, by name.</summary>
    [ReadOnly]
    Task<IReadOnlyList<TemplateInfo>> List();

    /// <summary>Deletes a template; false when there was none.</summary>
    Task<bool> Delete(string name);

    /// <summary>Renders the template for the contact <paramref name="contactAddress"/>.</summary>
    /// <exception cref="ArgumentException">No such template or contact.</exception>
    Task<TemplatePreview> Preview(string name, string contactAddress);

    /// <summary>Sends the template rendered for <paramref name="contactAddress"/> (or with no contact data when null) to
    /// each of <paramref name="to"/> through the configured relay, with "[TEST]" in the subject.</summary>
    Task<IReadOnlyList<TestSendOutcome>> TestSend(string name, string? contactAddress, IReadOnlyList<string> to);
}
