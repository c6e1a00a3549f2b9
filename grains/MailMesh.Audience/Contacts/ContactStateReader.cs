using System.Text.Json;
using MailMesh.Grains.Contacts;

namespace MailMesh.Audience.Contacts;

/// <summary>Reads a stored <see cref="ContactState"/> written with the general JSON defaults in one forward pass over a
/// <see cref="Utf8JsonReader"/>, without the serializer's read stack and its constructor-argument buffering for the
/// records (a campaign decodes every recipient's state right before sending: docs/adr/audience-08-contact-state-reader.md).
/// It reads the shapes the runtime's serializer writes, and gives up (false) on anything else (a null where an object
/// or a date belongs, a repeated member of a record, a number out of range, malformed JSON) so that the caller reads
/// that payload with the serializer, which then decides or reports exactly as it always did. Members it does not know
/// are skipped, as the serializer skips them.</summary>
internal static class ContactStateReader
{
    /// <summary>The state in <paramref name="json"/>, or false when only the serializer can read it.</summary>
    public static bool TryRead(ReadOnlySpan<byte> json, out ContactState? state)
    {
        state = null;
        try
        {
            var reader = new Utf8JsonReader(json);
            return reader.Read() && reader.TokenType == JsonTokenType.StartObject && ReadState(ref reader, out state)
                && !reader.Read(); // nothing may follow the object
        }
        catch (JsonException)
        {
            // Malformed JSON: the serializer reports it in its own words.
            state = null;
            return false;
        }
    }

    private static bool ReadState(ref Utf8JsonReader reader, out ContactState? state)
    {
        state = null;
        var s = new ContactState();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("DisplayAddress"u8))
            {
                if (!reader.Read() || !String(ref reader, out var display))
                {
                    return false;
                }

                s.DisplayAddress = display!;
            }
            else if (reader.ValueTextEquals("Attributes"u8))
            {
                if (!reader.Read() || !Attributes(ref reader, out var attributes))
                {
                    return false;
                }

                s.Attributes = attributes!;
            }
            else if (reader.ValueTextEquals("Lists"u8))
            {
                if (!reader.Read() || !Strings(ref reader, out var lists))
                {
                    return false;
                }

                s.Lists = lists!;
            }
            else if (reader.ValueTextEquals("Consent"u8))
            {
                if (!reader.Read() || !List<ConsentEntry>(ref reader, out var consent, ReadConsent))
                {
                    return false;
                }

                s.Consent = consent!;
            }
            else if (reader.ValueTextEquals("Suppressions"u8))
            {
                if (!reader.Read() || !List<Suppression>(ref reader, out var suppressions, ReadSuppression))
                {
                    return false;
                }

                s.Suppressions = suppressions!;
            }
            else if (reader.ValueTextEquals("Engagement"u8))
            {
                if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject || !ReadEngagement(ref reader, out var engagement))
                {
                    return false;
                }

                s.Engagement = engagement!;
            }
            else if (reader.ValueTextEquals("RoleAddress"u8))
            {
                if (!reader.Read() || !Bool(ref reader, out var role))
                {
                    return false;
                }

                s.RoleAddress = role;
            }
            else if (reader.ValueTextEquals("CreatedAt"u8))
            {
                if (!reader.Read() || !Date(ref reader, out var created))
                {
                    return false;
                }

                s.CreatedAt = created;
            }
            else if (reader.ValueTextEquals("UpdatedAt"u8))
            {
                if (!reader.Read() || !Date(ref reader, out var updated))
                {
                    return false;
                }

                s.UpdatedAt = updated;
            }
            else if (reader.ValueTextEquals("Version"u8))
            {
                if (!reader.Read() || reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out var version))
                {
                    return false;
                }

                s.Version = version;
            }
            else if (!reader.TrySkip())
            {
                return false;
            }
        }

        if (reader.TokenType != JsonTokenType.EndObject)
        {
            return false;
        }

        state = s;
        return true;
    }

    private delegate bool ItemReader<T>(ref Utf8JsonReader reader, out T? item);

    private static bool List<T>(ref Utf8JsonReader reader, out List<T>? list, ItemReader<T> read)
    {
        list = null;
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            return false;
        }

        var items = new List<T>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject || !read(ref reader, out var item))
            {
                return false;
            }

            items.Add(item!);
        }

        list = items;
        return true;
    }

    private static bool Attributes(ref Utf8JsonReader reader, out Dictionary<string, AttributeValue>? attributes)
    {
        attributes = null;
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        // As the serializer makes it: the default comparer, a repeated name's last value kept.
        var read = new Dictionary<string, AttributeValue>();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString()!;
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject || !ReadAttribute(ref reader, out var value))
            {
                return false;
            }

            read[name] = value!;
        }

        attributes = read;
        return reader.TokenType == JsonTokenType.EndObject;
    }

    private static bool ReadAttribute(ref Utf8JsonReader reader, out AttributeValue? value)
    {
        value = null;
        var seen = new Members();
        var type = 0;
        string? text = null;
        double? number = null;
        DateTimeOffset? date = null;
        bool? flag = null;
        List<string>? items = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            bool ok;
            if (reader.ValueTextEquals("Type"u8))
            {
                ok = seen.First(0) && reader.Read() && Enum(ref reader, out type);
            }
            else if (reader.ValueTextEquals("String"u8))
            {
                ok = seen.First(1) && reader.Read() && String(ref reader, out text);
            }
            else if (reader.ValueTextEquals("Number"u8))
            {
                ok = seen.First(2) && reader.Read() && NullableDouble(ref reader, out number);
            }
            else if (reader.ValueTextEquals("Date"u8))
            {
                ok = seen.First(3) && reader.Read() && NullableDate(ref reader, out date);
            }
            else if (reader.ValueTextEquals("Bool"u8))
            {
                ok = seen.First(4) && reader.Read() && NullableBool(ref reader, out flag);
            }
            else if (reader.ValueTextEquals("List"u8))
            {
                ok = seen.First(5) && reader.Read() && (reader.TokenType == JsonTokenType.Null || Strings(ref reader, out items));
            }
            else
            {
                ok = reader.TrySkip();
            }

            if (!ok)
            {
                return false;
            }
        }

        value = new AttributeValue((AttributeType)type, text, number, date, flag, items);
        return reader.TokenType == JsonTokenType.EndObject;
    }

    private static bool ReadConsent(ref Utf8JsonReader reader, out ConsentEntry? entry)
    {
        entry = null;
        var seen = new Members();
        string? id = null, purpose = null, source = null, form = null, ip = null, text = null;
        var action = 0;
        DateTimeOffset at = default;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            bool ok;
            if (reader.ValueTextEquals("Id"u8))
            {
                ok = seen.First(0) && reader.Read() && String(ref reader, out id);
            }
            else if (reader.ValueTextEquals("Purpose"u8))
            {
                ok = seen.First(1) && reader.Read() && String(ref reader, out purpose);
            }
            else if (reader.ValueTextEquals("Action"u8))
            {
                ok = seen.First(2) && reader.Read() && Enum(ref reader, out action);
            }
            else if (reader.ValueTextEquals("At"u8))
            {
                ok = seen.First(3) && reader.Read() && Date(ref reader, out at);
            }
            else if (reader.ValueTextEquals("Source"u8))
            {
                ok = seen.First(4) && reader.Read() && String(ref reader, out source);
            }
            else if (reader.ValueTextEquals("Form"u8))
            {
                ok = seen.First(5) && reader.Read() && String(ref reader, out form);
            }
            else if (reader.ValueTextEquals("Ip"u8))
            {
                ok = seen.First(6) && reader.Read() && String(ref reader, out ip);
            }
            else if (reader.ValueTextEquals("Text"u8))
            {
                ok = seen.First(7) && reader.Read() && String(ref reader, out text);
            }
            else
            {
                ok = reader.TrySkip();
            }

            if (!ok)
            {
                return false;
            }
        }

        entry = new ConsentEntry(id!, purpose!, (ConsentAction)action, at, source!, form, ip, text);
        return reader.TokenType == JsonTokenType.EndObject;
    }

    private static bool ReadSuppression(ref Utf8JsonReader reader, out Suppression? suppression)
    {
        suppression = null;
        var seen = new Members();
        string? scope = null, detail = null;
        var reason = 0;
        DateTimeOffset at = default;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            bool ok;
            if (reader.ValueTextEquals("Scope"u8))
            {
                ok = seen.First(0) && reader.Read() && String(ref reader, out scope);
            }
            else if (reader.ValueTextEquals("Reason"u8))
            {
                ok = seen.First(1) && reader.Read() && Enum(ref reader, out reason);
            }
            else if (reader.ValueTextEquals("At"u8))
            {
                ok = seen.First(2) && reader.Read() && Date(ref reader, out at);
            }
            else if (reader.ValueTextEquals("Detail"u8))
            {
                ok = seen.First(3) && reader.Read() && String(ref reader, out detail);
            }
            else
            {
                ok = reader.TrySkip();
            }

            if (!ok)
            {
                return false;
            }
        }

        suppression = new Suppression(scope!, (SuppressionReason)reason, at, detail);
        return reader.TokenType == JsonTokenType.EndObject;
    }

    private static bool ReadEngagement(ref Utf8JsonReader reader, out ContactEngagement? engagement)
    {
        engagement = null;
        var seen = new Members();
        DateTimeOffset? lastOpen = null, lastClick = null;
        long opens = 0, clicks = 0;
        double score = 0;
        string? status = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            bool ok;
            if (reader.ValueTextEquals("LastOpenAt"u8))
            {
                ok = seen.First(0) && reader.Read() && NullableDate(ref reader, out lastOpen);
            }
            else if (reader.ValueTextEquals("LastClickAt"u8))
            {
                ok = seen.First(1) && reader.Read() && NullableDate(ref reader, out lastClick);
            }
            else if (reader.ValueTextEquals("Opens"u8))
            {
                ok = seen.First(2) && reader.Read() && reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out opens);
            }
            else if (reader.ValueTextEquals("Clicks"u8))
            {
                ok = seen.First(3) && reader.Read() && reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out clicks);
            }
            else if (reader.ValueTextEquals("Score"u8))
            {
                ok = seen.First(4) && reader.Read() && reader.TokenType == JsonTokenType.Number && reader.TryGetDouble(out score);
            }
            else if (reader.ValueTextEquals("Status"u8))
            {
                ok = seen.First(5) && reader.Read() && String(ref reader, out status);
            }
            else
            {
                ok = reader.TrySkip();
            }

            if (!ok)
            {
                return false;
            }
        }

        engagement = new ContactEngagement(lastOpen, lastClick, opens, clicks, score, status);
        return reader.TokenType == JsonTokenType.EndObject;
    }

    private static bool Strings(ref Utf8JsonReader reader, out List<string>? strings)
    {
        strings = null;
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            return false;
        }

        var items = new List<string>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.String)
            {
                return false;
            }

            items.Add(reader.GetString()!);
        }

        strings = items;
        return true;
    }

    /// <summary>A string or null, as the serializer reads a <c>string?</c> member.</summary>
    private static bool String(ref Utf8JsonReader reader, out string? value)
    {
        value = null;
        if (reader.TokenType == JsonTokenType.Null)
        {
            return true;
        }

        if (reader.TokenType != JsonTokenType.String)
        {
            return false;
        }

        value = reader.GetString();
        return true;
    }

    private static bool Bool(ref Utf8JsonReader reader, out bool value)
    {
        value = reader.TokenType == JsonTokenType.True;
        return reader.TokenType is JsonTokenType.True or JsonTokenType.False;
    }

    private static bool NullableBool(ref Utf8JsonReader reader, out bool? value)
    {
        value = null;
        if (reader.TokenType == JsonTokenType.Null)
        {
            return true;
        }

        var ok = Bool(ref reader, out var b);
        value = b;
        return ok;
    }

    /// <summary>An enum member: the serializer's default reads its number (any value of the underlying int).</summary>
    private static bool Enum(ref Utf8JsonReader reader, out int value)
    {
        value = 0;
        return reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out value);
    }

    private static bool NullableDouble(ref Utf8JsonReader reader, out double? value)
    {
        value = null;
        if (reader.TokenType == JsonTokenType.Null)
        {
            return true;
        }

        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetDouble(out var d))
        {
            return false;
        }

        value = d;
        return true;
    }

    private static bool Date(ref Utf8JsonReader reader, out DateTimeOffset value)
    {
        value = default;
        return reader.TokenType == JsonTokenType.String && reader.TryGetDateTimeOffset(out value);
    }

    private static bool NullableDate(ref Utf8JsonReader reader, out DateTimeOffset? value)
    {
        value = null;
        if (reader.TokenType == JsonTokenType.Null)
        {
            return true;
        }

        if (!Date(ref reader, out var date))
        {
            return false;
        }

        value = date;
        return true;
    }

    /// <summary>The members of one record seen so far: a repeated one is left to the serializer.</summary>
    private struct Members
    {
        private int _seen;

        public bool First(int member)
        {
            var bit = 1 << member;
            var first = (_seen & bit) == 0;
            _seen |= bit;
            return first;
        }
    }
}
