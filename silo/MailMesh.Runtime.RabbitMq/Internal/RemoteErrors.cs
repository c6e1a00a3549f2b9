using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.ExceptionServices;
using System.Text.Json;

namespace MailMesh.Runtime.RabbitMq.Internal;

/// <summary>Carries a grain's exception in a reply: its type, message and stack trace in headers and its own public
/// properties as a JSON object in the body. The caller recreates an exception of the same type through a public
/// constructor whose parameters match those properties (or the message), else a <see cref="RemoteGrainException"/>.</summary>
internal static class RemoteErrors
{
    private static readonly HashSet<string> BaseProperties = [.. typeof(Exception).GetProperties().Select(p => p.Name)];
    private static readonly ConcurrentDictionary<string, Type?> Types = new(StringComparer.Ordinal);

    public static string TypeName(Exception error) => $"{error.GetType().FullName}, {error.GetType().Assembly.GetName().Name}";

    public static byte[] EncodeProperties(Exception error, JsonSerializerOptions options)
    {
        var values = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var property in error.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (BaseProperties.Contains(property.Name) || property.GetIndexParameters().Length > 0)
            {
                continue;
            }

            try
            {
                values[property.Name] = JsonSerializer.SerializeToElement(property.GetValue(error), property.PropertyType, options);
            }
            catch (Exception e) when (e is NotSupportedException or JsonException or InvalidOperationException or TargetInvocationException or ArgumentException)
            {
                // A property that cannot travel is left out; the constructor search falls back to one without it.
                continue;
            }
        }

        return JsonSerializer.SerializeToUtf8Bytes(values, options);
    }

    public static Exception Decode(string typeName, string message, string? stackTrace, ReadOnlySpan<byte> body, JsonSerializerOptions options)
    {
        Exception? error = null;
        var type = Types.GetOrAdd(typeName, static name => Type.GetType(name, throwOnError: false));
        if (type is not null && typeof(Exception).IsAssignableFrom(type))
        {
            Dictionary<string, JsonElement>? values = null;
            try
            {
                values = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(body, options);
            }
            catch (JsonException)
            {
                values = null;
            }

            error = Recreate(type, message, new Dictionary<string, JsonElement>(values ?? [], StringComparer.OrdinalIgnoreCase), options);
        }

        error ??= new RemoteGrainException(typeName.Split(',')[0], message, stackTrace);
        if (stackTrace is not null)
        {
            ExceptionDispatchInfo.SetRemoteStackTrace(error, stackTrace);
        }

        return error;
    }

    private static Exception? Recreate(Type type, string message, Dictionary<string, JsonElement> values, JsonSerializerOptions options)
    {
        foreach (var constructor in type.GetConstructors().OrderByDescending(c => c.GetParameters().Length))
        {
            var parameters = constructor.GetParameters();
            var args = new object?[parameters.Length];
            var fits = true;
            for (var i = 0; i < parameters.Length && fits; i++)
            {
                var parameter = parameters[i];
                if (values.TryGetValue(parameter.Name!, out var value))
                {
                    try
                    {
                        args[i] = value.Deserialize(parameter.ParameterType, options);
                    }
                    catch (Exception e) when (e is JsonException or NotSupportedException)
                    {
                        fits = false;
                    }
                }
                else if (parameter.Name == "message" && parameter.ParameterType == typeof(string))
                {
                    args[i] = message;
                }
                else if (parameter.HasDefaultValue)
                {
                    args[i] = parameter.DefaultValue;
                }
                else if (parameter.ParameterType == typeof(Exception) && parameter.Name is "inner" or "innerException")
                {
                    args[i] = null;
                }
                else
                {
                    fits = false;
                }
            }

            if (!fits)
            {
                continue;
            }

            try
            {
                var error = (Exception)constructor.Invoke(args);
                if (error.Message == message)
                {
                    return error;
                }
            }
            catch (TargetInvocationException)
            {
                // This constructor rejects the values; try the next one.
                continue;
            }
        }

        return null;
    }
}
