using MailMesh.Grains.Contacts;
using MailMesh.Grains.Engagement;
using MailMesh.Runtime;

namespace MailMesh.Engagement.Tracking;

/// <summary>What a tenant's form directory persists.</summary>
public sealed class FormDirectoryState
{
    /// <summary>The forms by id.</summary>
    public Dictionary<string, FormDefinition> Forms { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>A tenant's hosted forms. A form's fields must be attributes of the tenant's schema (checked when the form is
/// defined and again when it is submitted, so a form never writes an attribute the schema does not have).</summary>
public sealed class FormDirectoryGrain([PersistentState("forms")] IPersistentState<FormDirectoryState> state) : Grain, IFormDirectoryGrain
{
    /// <summary>Most forms per tenant.</summary>
    public const int MaxForms = 200;

    /// <summary>Most fields per form.</summary>
    public const int MaxFields = 30;

    /// <inheritdoc />
    public async Task<FormDefinition> Define(FormDefinition form)
    {
        ArgumentNullException.ThrowIfNull(form);
        if (AttributeParsing.ListNameProblem(form.Id) is { } idProblem)
        {
            throw new ArgumentException($"form id: {idProblem}.", nameof(FormDefinition.Id));
        }

        if (string.IsNullOrWhiteSpace(form.Title) || form.Title.Length > 200)
        {
            throw new ArgumentException("a form needs a title of 1-200 characters.", nameof(FormDefinition.Title));
        }

        if (form.Fields is null || form.Fields.Count is 0 or > MaxFields)
        {
            throw new ArgumentException($"a form has 1-{MaxFields} fields.", nameof(FormDefinition.Fields));
        }

        var schema = await GrainFactory.GetGrain<IContactSchemaGrain>(GrainId.Tenant + "/contact-schema").Get();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var field in form.Fields)
        {
            var definition = schema.Find(field.Attribute)
                ?? throw new ArgumentException($"field '{field.Attribute}' is not an attribute of the tenant's schema; define it first.", nameof(FormDefinition.Fields));
            if (!seen.Add(field.Attribute))
            {
                throw new ArgumentException($"field '{field.Attribute}' appears twice.", nameof(FormDefinition.Fields));
            }

            if (string.IsNullOrWhiteSpace(field.Label) || field.Label.Length > 200)
            {
                throw new ArgumentException($"field '{field.Attribute}' needs a label of 1-200 characters.", nameof(FormDefinition.Fields));
            }

            if (field.Choices is { Count: > 0 } choices
                && (definition.Type is not (AttributeType.String or AttributeType.List) || choices.Count > 100 || choices.Any(c => string.IsNullOrWhiteSpace(c) || c.Length > 200 || c.Contains(';', StringComparison.Ordinal))))
            {
                throw new ArgumentException($"field '{field.Attribute}': choices (1-100 of 1-200 characters, no ';') are for string and list attributes only.", nameof(FormDefinition.Fields));
            }
        }

        if (form.ConsentPurpose is { } purpose && purpose != "*" && AttributeParsing.ListNameProblem(purpose) is { } purposeProblem)
        {
            throw new ArgumentException($"consent purpose: {purposeProblem} (use '*' for all marketing mail).", nameof(FormDefinition.ConsentPurpose));
        }

        if (form.ConsentText is { Length: > 4000 })
        {
            throw new ArgumentException("the consent text is longer than 4000 characters.", nameof(FormDefinition.ConsentText));
        }

        foreach (var list in form.AddLists ?? [])
        {
            if (AttributeParsing.ListNameProblem(list) is { } listProblem)
            {
                throw new ArgumentException($"add list: {listProblem}.", nameof(FormDefinition.AddLists));
            }
        }

        if (!state.State.Forms.ContainsKey(form.Id) && state.State.Forms.Count >= MaxForms)
        {
            throw new ArgumentException($"the tenant has {MaxForms} forms; remove one first.", nameof(FormDefinition.Id));
        }

        state.State.Forms[form.Id] = form;
        await state.WriteStateAsync();
        return form;
    }

    /// <inheritdoc />
    public Task<FormDefinition?> Get(string id) => Task.FromResult(state.State.Forms.GetValueOrDefault(id ?? string.Empty));

    /// <inheritdoc />
    public Task<IReadOnlyList<FormDefinition>> List() =>
        Task.FromResult<IReadOnlyList<FormDefinition>>([.. state.State.Forms.Values.OrderBy(f => f.Id, StringComparer.Ordinal)]);

    /// <inheritdoc />
    public async Task<bool> Remove(string id)
    {
        if (id is null || !state.State.Forms.Remove(id))
        {
            return false;
        }

        await state.WriteStateAsync();
        return true;
    }
}
