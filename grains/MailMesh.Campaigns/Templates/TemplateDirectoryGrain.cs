using MailMesh.Campaigns.Composition;
using MailMesh.Grains.Campaigns;
using MailMesh.Grains.Contacts;
using MailMesh.Protocols.Smtp;
using MailMesh.Runtime;
using Microsoft.Extensions.DependencyInjection;

namespace MailMesh.Campaigns.Templates;

/// <summary>A tenant's templates (<c>tenant/templates</c>): saved only when every part compiles, previewed for one
/// contact as the message it would send, and test-sent through the configured <see cref="IMailSubmitter"/>.</summary>
public sealed class TemplateDirectoryGrain(
    [PersistentState("templates")] IPersistentState<TemplateDirectoryState> state, CampaignMessageComposer composer, IServiceProvider services)
    : Grain, ITemplateDirectoryGrain
{
    /// <summary>Most templates a tenant may save.</summary>
    public const int MaxTemplates = 1000;

    /// <summary>Most addresses of one test send.</summary>
    public const int MaxTestRecipients = 20;

    /// <summary>The time zone of previews and test sends for contacts without one.</summary>
    public const string DefaultTimeZone = "UTC";

    /// <summary>The grain's key for <paramref name="tenant"/>.</summary>
    public static string KeyFor(string tenant) => tenant + "/templates";

    /// <inheritdoc />
    public async Task<TemplateInfo> Save(TemplateDefinition definition, bool replace)
    {
        ArgumentNullException.ThrowIfNull(definition);
        if (NameProblem(definition.Name) is { } problem)
        {
            throw new ArgumentException(problem, "name");
        }

        if (definition.Description is { Length: > 500 })
        {
            throw new ArgumentException("the description is longer than 500 characters.", "description");
        }

        var templates = state.State.Templates;
        templates.TryGetValue(definition.Name, out var existing);
        if (existing is not null && !replace)
        {
            throw new ArgumentException($"template '{definition.Name}' exists already; save it with replace to change it.", "name");
        }

        if (existing is null && templates.Count >= MaxTemplates)
        {
            throw new ArgumentException($"the tenant has {templates.Count} templates; at most {MaxTemplates} are allowed.", "name");
        }

        composer.Compiler.Compile(definition);
        var now = TimeProvider.GetUtcNow();
        var saved = new TemplateInfo(definition, (existing?.Version ?? 0) + 1, existing?.CreatedAt ?? now, now);
        templates[definition.Name] = saved;
        await state.WriteStateAsync();
        return saved;
    }

    /// <inheritdoc />
    public Task<TemplateInfo?> Get(string name) => Task.FromResult(state.State.Templates.GetValueOrDefault(name));

    /// <inheritdoc />
    public Task<IReadOnlyList<TemplateInfo>> List() =>
        Task.FromResult<IReadOnlyList<TemplateInfo>>(state.State.Templates.Values.OrderBy(t => t.Definition.Name, StringComparer.Ordinal).ToArray());

    /// <inheritdoc />
    public async Task<bool> Delete(string name)
    {
        if (!state.State.Templates.Remove(name))
        {
            return false;
        }

        await state.WriteStateAsync();
        return true;
    }

    /// <inheritdoc />
    public async Task<TemplatePreview> Preview(string name, string contactAddress)
    {
        var template = Find(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(contactAddress);
        var contact = await ContactAsync(contactAddress);
        var request = new ComposeRequest(
            GrainId.Tenant, "preview", template.Definition, composer.DefaultSender, contact, contact.DisplayAddress, null,
            SendId.For(GrainId.Tenant, "preview", contact.Address), DefaultTimeZone, TimeProvider.GetUtcNow(), Track: false);
        return composer.Preview(request);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<TestSendOutcome>> TestSend(string name, string? contactAddress, IReadOnlyList<string> to)
    {
        var template = Find(name);
        ArgumentNullException.ThrowIfNull(to);
        if (to.Count is 0 or > MaxTestRecipients)
        {
            throw new ArgumentException($"a test send goes to 1-{MaxTestRecipients} addresses, not {to.Count}.", nameof(to));
        }

        var submitter = services.GetService<IMailSubmitter>()
            ?? throw new InvalidOperationException("no relay is configured for sending (IMailSubmitter is not registered; see Campaigns:Relay).");
        var contact = contactAddress is null ? null : await ContactAsync(contactAddress);
        var definition = template.Definition with { Subject = "[TEST] " + template.Definition.Subject };
        var outcomes = new List<TestSendOutcome>(to.Count);
        foreach (var address in to)
        {
            ComposedMessage message;
            try
            {
                var recipient = ContactAddress.Normalize(address, "to");
                var request = new ComposeRequest(
                    GrainId.Tenant, "test", definition, composer.DefaultSender, contact, address, null, SendId.For(GrainId.Tenant, "test", recipient),
                    DefaultTimeZone, TimeProvider.GetUtcNow(), Track: true);
                message = await composer.ComposeAsync(request);
            }
            catch (ArgumentException e) when (e is not TemplateException)
            {
                outcomes.Add(new TestSendOutcome(address, false, 0, e.Message));
                continue;
            }

            var result = await submitter.SubmitAsync(new MailSubmission(message.EnvelopeFrom, [message.Recipient], message.Content)
            {
                RequiresSmtpUtf8 = message.RequiresSmtpUtf8,
            });
            var outcome = result.Recipients[0];
            outcomes.Add(new TestSendOutcome(address, outcome.Status == SubmissionStatus.Accepted, outcome.Code, outcome.Reply));
        }

        return outcomes;
    }

    private async Task<ContactInfo> ContactAsync(string address) =>
        await GrainFactory.GetGrain<IContactGrain>(ContactAddress.KeyFor(GrainId.Tenant, address)).Get()
            ?? throw new ArgumentException($"contact '{address}' does not exist in tenant '{GrainId.Tenant}'.", "contact");

    private TemplateInfo Find(string name) =>
        state.State.Templates.GetValueOrDefault(name) ?? throw new ArgumentException($"template '{name}' does not exist.", nameof(name));

    private static string? NameProblem(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > 64)
        {
            return "a template name is 1-64 characters (letters, digits, '-', '_' and '.').";
        }

        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (!(char.IsAsciiLetterOrDigit(c) || (i > 0 && c is '-' or '_' or '.')))
            {
                return $"the template name '{name}' has '{c}' at position {i + 1}; use letters, digits, '-', '_' and '.' (not first).";
            }
        }

        return null;
    }
}

/// <summary>What a template directory persists.</summary>
public sealed class TemplateDirectoryState
{
    /// <summary>The templates by name.</summary>
    public Dictionary<string, TemplateInfo> Templates { get; set; } = new(StringComparer.Ordinal);
}
