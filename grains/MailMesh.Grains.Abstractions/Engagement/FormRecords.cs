using MailMesh.Runtime;

namespace MailMesh.Grains.Engagement;

/// <summary>A field of a hosted form: one attribute of the tenant's contact schema.</summary>
/// <param name="Attribute">The attribute it sets (its type decides the input and the validation).</param>
/// <param name="Label">What the page shows.</param>
/// <param name="Required">Whether it must be filled in.</param>
/// <param name="Choices">For list and string attributes: the values offered (checkboxes or a select); empty for free input.</param>
[Immutable]
public sealed record FormField(string Attribute, string Label, bool Required = false, IReadOnlyList<string>? Choices = null);

/// <summary>A hosted preference or enrichment form (<c>/f/{token}</c>).</summary>
/// <param name="Id">Lower-case id: a letter, then letters, digits, '-' or '_' (at most 63).</param>
/// <param name="Title">The page title.</param>
/// <param name="Fields">The fields (1–30), in page order.</param>
/// <param name="ConsentPurpose">When set (<c>*</c> or a list), a submission records consent granted for it with source
/// <c>form:{id}</c> and the submitter's IP.</param>
/// <param name="ConsentText">The consent wording shown beside the submit button and stored with the consent.</param>
/// <param name="AddLists">Lists a submission adds the contact to.</param>
[Immutable]
public sealed record FormDefinition(
    string Id, string Title, IReadOnlyList<FormField> Fields, string? ConsentPurpose = null, string? ConsentText = null, IReadOnlyList<string>? AddLists = null);

/// <summary>A tenant's hosted forms, keyed <c>tenant/forms</c>.</summary>
public interface IFormDirectoryGrain : IGrainWithStringKey
{
    /// <summary>Adds or replaces a form.</summary>
    /// <exception cref="ArgumentException">The definition is invalid; the message says which part.</exception>
    Task<FormDefinition> Define(FormDefinition form);

    /// <summary>The form with <paramref name="id"/>, or null.</summary>
    [ReadOnly]
    Task<FormDefinition?> Get(string id);

    /// <summary>The tenant's forms, by id.</summary>
    [ReadOnly]
    Task<IReadOnlyList<FormDefinition>> List();

    /// <summary>Removes a form; false when there was none.</summary>
    Task<bool> Remove(string id);
}
