using MailMesh.Grains.Contacts;

namespace MailMesh.Campaigns.Templates;

/// <summary>The merge fields of one recipient: every contact attribute by name (strings as text, numbers as
/// <see cref="double"/>, dates as <see cref="DateTimeOffset"/>, bools, lists as string arrays), plus <c>email</c>,
/// <c>lists</c> and <c>unsubscribe_url</c>. The contact's <c>locale</c> and <c>time_zone</c> attributes choose how
/// dates and numbers are printed.</summary>
public static class TemplateModel
{
    /// <summary>The attribute naming the recipient's locale (e.g. <c>fr-FR</c>).</summary>
    public const string LocaleAttribute = "locale";

    /// <summary>The attribute naming the recipient's IANA time zone.</summary>
    public const string TimeZoneAttribute = "time_zone";

    /// <summary>The fields for <paramref name="contact"/> (none for a test send without contact data).</summary>
    /// <param name="contact">The recipient's contact, or null.</param>
    /// <param name="email">The address the message goes to.</param>
    /// <param name="unsubscribeUrl">The recipient's unsubscribe URL.</param>
    public static Dictionary<string, object?> For(ContactInfo? contact, string email, string unsubscribeUrl)
    {
        var fields = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (contact is not null)
        {
            foreach (var (name, value) in contact.Attributes)
            {
                if (Value(value) is { } v)
                {
                    fields[name] = v;
                }
            }

            fields["lists"] = contact.Lists.ToArray();
        }

        fields["email"] = email;
        fields["unsubscribe_url"] = unsubscribeUrl;
        return fields;
    }

    /// <summary>The template-side value of an attribute, or null when it has none.</summary>
    public static object? Value(AttributeValue value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value.Type switch
        {
            AttributeType.String => value.String,
            AttributeType.Number => value.Number,
            AttributeType.Date => value.Date,
            AttributeType.Bool => value.Bool,
            AttributeType.List => value.List?.ToArray(),
            _ => null,
        };
    }
}
