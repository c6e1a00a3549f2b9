using System.Text.Json;
using System.Text.Json.Serialization;

namespace MailMesh.Engagement.Scoring;

/// <summary>Writes a list of GUIDs as one base64 string of their 16 bytes each, in order; reads that or the JSON array of
/// GUID strings that states written before it hold.</summary>
public sealed class GuidListJsonConverter : JsonConverter<List<Guid>>
{
    private const int GuidBytes = 16;

    /// <inheritdoc />
    public override List<Guid> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.StartArray)
        {
            var listed = new List<Guid>();
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                listed.Add(reader.GetGuid());
            }

            return listed;
        }

        if (reader.TokenType != JsonTokenType.String)
        {
            throw new JsonException($"Expected a base64 string or an array of GUIDs, not {reader.TokenType}.");
        }

        var bytes = reader.GetBytesFromBase64();
        if (bytes.Length % GuidBytes != 0)
        {
            throw new JsonException($"A list of GUIDs is {bytes.Length} bytes long, not a multiple of {GuidBytes}.");
        }

        var ids = new List<Guid>(bytes.Length / GuidBytes);
        for (var at = 0; at < bytes.Length; at += GuidBytes)
        {
            ids.Add(new Guid(bytes.AsSpan(at, GuidBytes)));
        }

        return ids;
    }

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, List<Guid> value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        var bytes = new byte[value.Count * GuidBytes];
        for (var i = 0; i < value.Count; i++)
        {
            value[i].TryWriteBytes(bytes.AsSpan(i * GuidBytes, GuidBytes));
        }

        writer.WriteBase64StringValue(bytes);
    }
}
