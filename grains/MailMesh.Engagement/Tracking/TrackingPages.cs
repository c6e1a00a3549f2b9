using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using MailMesh.Grains.Contacts;
using MailMesh.Grains.Engagement;

namespace MailMesh.Engagement.Tracking;

/// <summary>The HTML of the unsubscribe and form pages: self-contained (no script, no external resources), every value
/// HTML-encoded.</summary>
internal static class TrackingPages
{
    private static readonly HtmlEncoder Html = HtmlEncoder.Default;

    /// <summary>The unsubscribe page: list-level and all-mail choices as one POST form.</summary>
    public static string Unsubscribe(string maskedAddress, string? list, string nonce)
    {
        var body = new StringBuilder();
        body.Append("<h1>Unsubscribe</h1><p>Which mail should stop for <strong>").Append(Html.Encode(maskedAddress)).Append("</strong>?</p>");
        body.Append("<form method=\"post\"><input type=\"hidden\" name=\"nonce\" value=\"").Append(nonce).Append("\">");
        if (list is not null)
        {
            body.Append("<p><button type=\"submit\" name=\"scope\" value=\"list\">Only the list “").Append(Html.Encode(list)).Append("”</button></p>");
        }

        body.Append("<p><button type=\"submit\" name=\"scope\" value=\"all\">All mail from us</button></p></form>");
        return Page("Unsubscribe", body.ToString());
    }

    /// <summary>The page after an unsubscribe.</summary>
    public static string Unsubscribed(string? list) =>
        Page("Unsubscribed", list is null ? "<h1>You are unsubscribed</h1><p>You will get no more mail from us.</p>"
            : $"<h1>You are unsubscribed</h1><p>You will get no more mail of the list “{Html.Encode(list)}”.</p>");

    /// <summary>A form with the contact's current values; <paramref name="errors"/> by field are shown beside the fields.</summary>
    public static string Form(FormDefinition form, AttributeSchema schema, ContactInfo contact, string nonce, IReadOnlyDictionary<string, string>? errors = null)
    {
        var body = new StringBuilder();
        body.Append("<h1>").Append(Html.Encode(form.Title)).Append("</h1>");
        if (errors is { Count: > 0 })
        {
            body.Append("<p role=\"alert\">Please correct the fields marked below.</p>");
        }

        body.Append("<form method=\"post\"><input type=\"hidden\" name=\"nonce\" value=\"").Append(nonce).Append("\">");
        foreach (var field in form.Fields)
        {
            var type = schema.Find(field.Attribute)?.Type ?? AttributeType.String;
            contact.Attributes.TryGetValue(field.Attribute, out var current);
            var name = Html.Encode(field.Attribute);
            body.Append("<p><label for=\"").Append(name).Append("\">").Append(Html.Encode(field.Label)).Append(field.Required ? " *" : "").Append("</label> ");
            Input(body, field, type, name, current);
            if (errors is not null && errors.TryGetValue(field.Attribute, out var error))
            {
                body.Append(" <em>").Append(Html.Encode(error)).Append("</em>");
            }

            body.Append("</p>");
        }

        if (form.ConsentText is { } consent)
        {
            body.Append("<p>").Append(Html.Encode(consent)).Append("</p>");
        }

        body.Append("<p><button type=\"submit\">Save</button></p></form>");
        return Page(form.Title, body.ToString());
    }

    /// <summary>The page after a form was saved.</summary>
    public static string Saved(string title) => Page(title, "<h1>Thank you</h1><p>Your details are saved.</p>");

    private static void Input(StringBuilder body, FormField field, AttributeType type, string name, AttributeValue? current)
    {
        var required = field.Required ? " required" : "";
        if (field.Choices is { Count: > 0 } choices)
        {
            var chosen = type == AttributeType.List ? current?.List ?? [] : current?.String is { } one ? [one] : [];
            foreach (var choice in choices)
            {
                var value = Html.Encode(choice);
                var check = chosen.Contains(choice, StringComparer.Ordinal) ? " checked" : "";
                body.Append("<label><input type=\"").Append(type == AttributeType.List ? "checkbox" : "radio").Append("\" name=\"").Append(name)
                    .Append("\" value=\"").Append(value).Append('"').Append(check).Append("> ").Append(value).Append("</label> ");
            }

            return;
        }

        if (type == AttributeType.Bool)
        {
            body.Append("<input type=\"hidden\" name=\"").Append(name).Append("\" value=\"false\"><input type=\"checkbox\" id=\"").Append(name)
                .Append("\" name=\"").Append(name).Append("\" value=\"true\"").Append(current?.Bool == true ? " checked" : "").Append('>');
            return;
        }

        var (inputType, text) = type switch
        {
            AttributeType.Number => ("number\" step=\"any", current?.Number?.ToString("R", CultureInfo.InvariantCulture)),
            AttributeType.Date => ("date", current?.Date?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)),
            AttributeType.List => ("text", current is null ? null : string.Join("; ", current.List ?? [])),
            _ => ("text", current?.String),
        };
        body.Append("<input type=\"").Append(inputType).Append("\" id=\"").Append(name).Append("\" name=\"").Append(name).Append("\" value=\"")
            .Append(Html.Encode(text ?? "")).Append("\" maxlength=\"").Append(AttributeValue.MaxStringLength).Append('"').Append(required).Append('>');
    }

    private static string Page(string title, string body) => string.Concat(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
        "<meta name=\"robots\" content=\"noindex\"><title>", Html.Encode(title), "</title>",
        "<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem}button{padding:.5rem 1rem}em{color:#b00}</style>",
        "</head><body>", body, "</body></html>");
}
