using System.Buffers;
using System.Text;
using System.Text.Json;
using MailMesh.Runtime.Storage;

namespace MailMesh.Runtime.Sqlite.Internal;

/// <summary>Argument checks shared by the providers; each message says what is wrong and where.</summary>
internal static class Validate
{
    public const int MaxNameLength = 200;

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
