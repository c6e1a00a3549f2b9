using System.Text.Json;
using System.Text.Json.Serialization;
using MailMesh.Runtime.Invocation;

namespace MailMesh.Runtime.RabbitMq.Internal;

/// <summary>Message bodies: a call's arguments as a JSON array (each argument serialized as its declared parameter
/// type) and a result as JSON of the method's result type, with the runtime's JSON options. Grain references travel
/// as <c>[type, key]</c> and become proxies of the receiving silo.</summary>
internal sealed class MessageCodec
{
    private readonly JsonSerializerOptions _options;

    public MessageCodec(JsonSerializerOptions runtimeOptions, Func<IGrainCallInvoker> invoker)
    {
        _options = new JsonSerializerOptions(runtimeOptions);
        _options.Converters.Add(new GrainReferenceConverterFactory(invoker));
    }

    public JsonSerializerOptions Options => _options;

    public byte[] EncodeArguments(GrainRequest request)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        WriteArguments(buffer, request);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Writes the arguments as a JSON array to <paramref name="output"/>.</summary>
    public void WriteArguments(System.Buffers.IBufferWriter<byte> output, GrainRequest request)
    {
        using var writer = new Utf8JsonWriter(output);
        writer.WriteStartArray();
        var types = request.Method.ParameterTypes;
        for (var i = 0; i < request.ArgumentCount; i++)
        {
            JsonSerializer.Serialize(writer, request.GetArgument(i), types[i], _options);
        }

        writer.WriteEndArray();
    }

    /// <exception cref="JsonException">The body does not hold the method's arguments.</exception>
    public void DecodeArguments(ReadOnlySpan<byte> body, GrainRequest request)
    {
        var reader = new Utf8JsonReader(body);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException($"The arguments of {request.Method} must be a JSON array.");
        }

        var types = request.Method.ParameterTypes;
        for (var i = 0; i < types.Count; i++)
        {
            if (!reader.Read() || reader.TokenType == JsonTokenType.EndArray)
            {
                throw new JsonException($"{request.Method} takes {types.Count} arguments; the message has {i}.");
            }

            request.SetArgument(i, JsonSerializer.Deserialize(ref reader, types[i], _options));
        }

        if (!reader.Read() || reader.TokenType != JsonTokenType.EndArray)
        {
            throw new JsonException($"{request.Method} takes {types.Count} arguments; the message has more.");
        }
    }

    public byte[] EncodeResult(object? value, Type type) => JsonSerializer.SerializeToUtf8Bytes(value, type, _options);

    public T DecodeResult<T>(ReadOnlySpan<byte> body) => JsonSerializer.Deserialize<T>(body, _options)!;

    private sealed class GrainReferenceConverterFactory(Func<IGrainCallInvoker> invoker) : JsonConverterFactory
    {
        public override bool CanConvert(Type typeToConvert) =>
            typeof(GrainReference).IsAssignableFrom(typeToConvert) || (typeToConvert.IsInterface && typeof(IGrain).IsAssignableFrom(typeToConvert));

        public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
            (JsonConverter)Activator.CreateInstance(typeof(GrainReferenceConverter<>).MakeGenericType(typeToConvert), invoker)!;
    }

    private sealed class GrainReferenceConverter<T>(Func<IGrainCallInvoker> invoker) : JsonConverter<T>
    {
        public override T? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType == JsonTokenType.Null)
            {
                return default;
            }

            var parts = JsonSerializer.Deserialize<string[]>(ref reader, options);
            if (parts is not [var type, var key])
            {
                throw new JsonException("A grain reference must be [type, key].");
            }

            var descriptor = GrainInterfaceRegistry.Find(type)
                ?? throw new JsonException($"A grain reference names the unknown grain type '{type}'.");
            return (T)(object)descriptor.CreateProxy(new GrainId(type, key), invoker());
        }

        public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options)
        {
            if (value is not GrainReference reference)
            {
                writer.WriteNullValue();
                return;
            }

            writer.WriteStartArray();
            writer.WriteStringValue(reference.GrainId.Type);
            writer.WriteStringValue(reference.GrainId.Key);
            writer.WriteEndArray();
        }
    }
}
