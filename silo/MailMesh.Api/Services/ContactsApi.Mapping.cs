using Google.Protobuf.Collections;
using MailMesh.Grains.Contacts;
using MailMesh.Grpc;
using Contact = MailMesh.Api.V1.Contact;
using ProtoTimestamp = Google.Protobuf.WellKnownTypes.Timestamp;

namespace MailMesh.Api.Services;

internal sealed partial class ContactsApi
{
    /// <summary>Proto values to typed values, checked against the schema here so the error names the field.</summary>
    private static Dictionary<string, AttributeValue?> ToAttributes(
        MapField<string, V1.AttributeValue> set, IEnumerable<string> remove, AttributeSchema schema, string field)
    {
        var result = new Dictionary<string, AttributeValue?>(StringComparer.Ordinal);
        foreach (var (name, value) in set)
        {
            var definition = schema.Find(name) ?? throw new InvalidArgumentException(
                $"{field}[{name}]", AttributeParsing.AttributeNameProblem(name) ?? $"'{name}' is not an attribute of the tenant's schema; define it first");
            result[name] = ToValue(value, definition, $"{field}[{name}]");
        }

        foreach (var name in remove)
        {
            result[name] = null;
        }

        return result;
    }

    private static AttributeValue ToValue(V1.AttributeValue value, AttributeDefinition definition, string field)
    {
        AttributeValue? typed = value.ValueCase switch
        {
            V1.AttributeValue.ValueOneofCase.StringValue => AttributeValue.Of(value.StringValue),
            V1.AttributeValue.ValueOneofCase.NumberValue => AttributeValue.Of(value.NumberValue),
            V1.AttributeValue.ValueOneofCase.DateValue => AttributeValue.Of(value.DateValue.ToDateTimeOffset()),
            V1.AttributeValue.ValueOneofCase.BoolValue => AttributeValue.Of(value.BoolValue),
            V1.AttributeValue.ValueOneofCase.ListValue => AttributeValue.Of([.. value.ListValue.Items]),
            V1.AttributeValue.ValueOneofCase.Text => AttributeParsing.TryParse(value.Text, definition.Type, out var error)
                ?? throw new InvalidArgumentException(field, error!),
            _ => throw new InvalidArgumentException(field, "the value is empty; set one of its fields (or text)"),
        };
        if (typed.Type != definition.Type)
        {
            throw new InvalidArgumentException(field, $"'{definition.Name}' is a {Lower(definition.Type)}; the value given is a {Lower(typed.Type)}");
        }

        return typed.Problem() is { } problem ? throw new InvalidArgumentException(field, problem) : typed;
    }

    private ConsentEntry[] ToConsent(RepeatedField<V1.ConsentEntry> entries, string defaultSource)
    {
        var now = time.GetUtcNow();
        return entries.Select((e, i) => new ConsentEntry(
            e.Id.Length == 0 ? $"api:{Guid.CreateVersion7(now):N}" : e.Id,
            e.Purpose.Length == 0 ? throw new InvalidArgumentException($"consent[{i}].purpose", "give '*' or a list name") : e.Purpose,
            e.Withdrawn ? ConsentAction.Withdrawn : ConsentAction.Granted,
            e.At is null ? now : e.At.ToDateTimeOffset(),
            e.Source.Length == 0 ? defaultSource : e.Source,
            e.Form.Length == 0 ? null : e.Form,
            e.Ip.Length == 0 ? null : e.Ip,
            e.Text.Length == 0 ? null : e.Text)).ToArray();
    }

    private static Contact ToProto(ContactInfo c)
    {
        var contact = new Contact
        {
            Address = c.Address, DisplayAddress = c.DisplayAddress, RoleAddress = c.RoleAddress, Mailable = c.Mailable,
            CreatedAt = Timestamp(c.CreatedAt), UpdatedAt = Timestamp(c.UpdatedAt), Version = c.Version,
            Engagement = new V1.Engagement
            {
                LastOpenAt = c.Engagement.LastOpenAt is { } o ? Timestamp(o) : null, LastClickAt = c.Engagement.LastClickAt is { } k ? Timestamp(k) : null,
                Opens = c.Engagement.Opens, Clicks = c.Engagement.Clicks, Score = c.Engagement.Score, Status = c.Engagement.Status ?? "",
            },
        };
        foreach (var (name, value) in c.Attributes)
        {
            contact.Attributes[name] = ToProto(value);
        }

        contact.Lists.AddRange(c.Lists);
        contact.Consent.AddRange(c.Consent.Select(e => new V1.ConsentEntry
        {
            Id = e.Id, Purpose = e.Purpose, Withdrawn = e.Action == ConsentAction.Withdrawn, At = Timestamp(e.At), Source = e.Source,
            Form = e.Form ?? "", Ip = e.Ip ?? "", Text = e.Text ?? "",
        }));
        contact.Suppressions.AddRange(c.Suppressions.Select(s => new V1.Suppression
        {
            Scope = s.Scope, Reason = ReasonName(s.Reason), At = Timestamp(s.At), Detail = s.Detail ?? "",
        }));
        return contact;
    }

    private static V1.AttributeValue ToProto(AttributeValue value) => value.Type switch
    {
        AttributeType.String => new V1.AttributeValue { StringValue = value.String },
        AttributeType.Number => new V1.AttributeValue { NumberValue = value.Number!.Value },
        AttributeType.Date => new V1.AttributeValue { DateValue = Timestamp(value.Date!.Value) },
        AttributeType.Bool => new V1.AttributeValue { BoolValue = value.Bool!.Value },
        _ => new V1.AttributeValue { ListValue = new V1.StringList { Items = { value.List! } } },
    };

    private static V1.AttributeSchema ToProto(AttributeSchema schema)
    {
        var reply = new V1.AttributeSchema { Version = schema.Version };
        reply.Attributes.AddRange(schema.Attributes.Select(a => new V1.AttributeDefinition
        {
            Name = a.Name, Type = (V1.AttributeType)(int)a.Type, Description = a.Description ?? "", BuiltIn = a.BuiltIn,
        }));
        return reply;
    }

    private static string ReasonName(SuppressionReason reason) => reason switch
    {
        SuppressionReason.Unsubscribed => "unsubscribed",
        SuppressionReason.HardBounced => "hard_bounced",
        SuppressionReason.Complained => "complained",
        _ => "manual",
    };

    private static ProtoTimestamp Timestamp(DateTimeOffset value) => ProtoTimestamp.FromDateTimeOffset(value);

    private static string Lower(AttributeType type) => type.ToString().ToLowerInvariant();
}
