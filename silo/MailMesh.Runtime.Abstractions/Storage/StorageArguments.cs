using System.Buffers;
using System.Text;
using System.Text.Json;

namespace MailMesh.Runtime.Storage;

/// <summary>Argument checks for storage providers, so every provider refuses the same bad input with the same
/// clear message (what is wrong and where).</summary>
public static class StorageArguments
{
    /// <summary>Longest state, reminder or event type name accepted.</summary>
    public const int MaxNameLength = 200;

    /// <summary>Throws when <paramref name="grain"/> has no type or a malformed key.</summary>
    /// <exception cref="ArgumentException">The id has no type.</exception>
    /// <exception cref="InvalidGrainKeyException">The key is malformed.</exception>
    public static void Grain(GrainId grain, string parameterName)
    {
        if (string.IsNullOrEmpty(grain.Type))
        {
            throw new ArgumentException("The grain id has no type (was it default(GrainId)?); create ids with GrainId.Create.", parameterName);
        }

        var error = GrainKey.Validate(grain.Key);
        if (error is not null)
        {
            throw new InvalidGrainKeyException(grain.Type, grain.Key ?? string.Empty, error);
        }
    }

    /// <summary>Throws when <paramref name="name"/> is empty, longer than <see cref="MaxNameLength"/> or has control
    /// characters; <paramref name="what"/> names it in the message (e.g. "state name").</summary>
    public static void Name(string? name, string what, string parameterName)
    {
        if (string.IsNullOrEmpty(name))
        {
            throw new ArgumentException($"The {what} is empty.", parameterName);
        }

        if (name.Length > MaxNameLength)
        {
            throw new ArgumentException($"The {what} '{name[..40]}…' is {name.Length} characters long; at most {MaxNameLength} are allowed.", parameterName);
        }

        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsControl(name[i]))
            {
                throw new ArgumentException($"The {what} '{name}' has control character U+{(int)name[i]:X4} at position {i}.", parameterName);
            }
        }
    }

    /// <summary>Throws when an event draft is null, has an empty or repeated id, a bad tenant, type or subject, or a
    /// payload that is not one JSON object.</summary>
    public static void Events(IReadOnlyList<EventDraft> events, string parameterName)
    {
        ArgumentNullException.ThrowIfNull(events, parameterName);
        HashSet<Guid>? seen = events.Count > 1 ? new HashSet<Guid>(events.Count) : null;
        for (var i = 0; i < events.Count; i++)
        {
            var draft = events[i] ?? throw new ArgumentException($"Event #{i} is null.", parameterName);
            var where = $"Event #{i} ({draft.Type}, id {draft.EventId})";
            if (draft.EventId == Guid.Empty)
            {
                throw new ArgumentException($"{where} has an empty event id; give every event a new Guid.", parameterName);
            }

            if (seen is not null && !seen.Add(draft.EventId))
            {
                throw new ArgumentException($"{where} repeats an event id used earlier in the same write; event ids must be unique.", parameterName);
            }

            var tenantError = draft.Tenant is null ? "the tenant is null" : GrainKey.ValidateTenant(draft.Tenant);
            if (tenantError is not null)
            {
                throw new ArgumentException($"{where} has a bad tenant: {tenantError}.", parameterName);
            }

            Name(draft.Type, $"type of event #{i}", parameterName);
            if (string.IsNullOrEmpty(draft.Subject))
            {
                throw new ArgumentException($"{where} has an empty subject; use the grain key or what the event is about.", parameterName);
            }

            if (draft.Subject.Contains('\0', StringComparison.Ordinal) || draft.PayloadJson?.Contains('\0', StringComparison.Ordinal) == true)
            {
                throw new ArgumentException($"{where} has a NUL character in its subject or payload; escape it (\\u0000 in JSON).", parameterName);
            }

            JsonObject(draft.PayloadJson, where, parameterName);
        }
    }

    private static void JsonObject(string? json, string where, string parameterName)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            throw new ArgumentException($"{where} has an empty payload; use a JSON object such as {{}}.", parameterName);
        }

        var maxBytes = Encoding.UTF8.GetMaxByteCount(json.Length);
        byte[]? rented = null;
        Span<byte> buffer = maxBytes <= 1024 ? stackalloc byte[1024] : (rented = ArrayPool<byte>.Shared.Rent(maxBytes));
        try
        {
            var reader = new Utf8JsonReader(buffer[..Encoding.UTF8.GetBytes(json, buffer)]);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw new ArgumentException($"{where} has a payload that is not a JSON object (it starts with {reader.TokenType}).", parameterName);
            }

            reader.Skip();
            // Reading past the object throws JsonException when anything but white space follows it.
            _ = reader.Read();
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"{where} has a payload that is not valid JSON: {e.Message}", parameterName, e);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }
}
