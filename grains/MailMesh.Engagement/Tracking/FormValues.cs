using MailMesh.Grains.Contacts;
using MailMesh.Grains.Engagement;
using Microsoft.AspNetCore.Http;

namespace MailMesh.Engagement.Tracking;

/// <summary>Turns a posted form into typed attribute values, checked against the form (required fields, choices) and the
/// tenant's schema (types, lengths); every problem is reported by field.</summary>
internal static class FormValues
{
    public static (Dictionary<string, AttributeValue?> Values, Dictionary<string, string> Errors) Read(FormDefinition form, AttributeSchema schema, IFormCollection posted)
    {
        var values = new Dictionary<string, AttributeValue?>(StringComparer.Ordinal);
        var errors = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var field in form.Fields)
        {
            if (schema.Find(field.Attribute) is not { } definition)
            {
                errors[field.Attribute] = "this field is no longer in the contact schema";
                continue;
            }

            var given = posted[field.Attribute];
            var texts = given.Where(v => !string.IsNullOrWhiteSpace(v)).Select(v => v!.Trim()).ToList();
            if (definition.Type == AttributeType.Bool && texts.Count > 1)
            {
                // The page sends a hidden "false" and, when ticked, the checkbox's "true".
                texts = [texts[^1]];
            }

            if (texts.Count == 0)
            {
                if (field.Required)
                {
                    errors[field.Attribute] = "required";
                }
                else if (given.Count > 0)
                {
                    values[field.Attribute] = null;
                }

                continue;
            }

            if (definition.Type != AttributeType.List && texts.Count > 1)
            {
                errors[field.Attribute] = "give one value";
                continue;
            }

            if (field.Choices is { Count: > 0 } choices && texts.FirstOrDefault(t => !choices.Contains(t, StringComparer.Ordinal)) is { } unknown)
            {
                errors[field.Attribute] = $"'{Shorten(unknown)}' is not one of the choices";
                continue;
            }

            var text = definition.Type == AttributeType.List ? string.Join(';', texts) : texts[0];
            var value = AttributeParsing.TryParse(text, definition.Type, out var error);
            if (value is null)
            {
                errors[field.Attribute] = error ?? "not a valid value";
            }
            else if (value.Problem() is { } problem)
            {
                errors[field.Attribute] = problem;
            }
            else
            {
                values[field.Attribute] = value;
            }
        }

        return (values, errors);
    }

    private static string Shorten(string text) => text.Length > 40 ? text[..40] + "…" : text;
}
