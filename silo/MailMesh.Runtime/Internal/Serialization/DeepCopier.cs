using System.Text.Json;
using MailMesh.Runtime.Invocation;

namespace MailMesh.Runtime.Internal.Serialization;

/// <summary>Copies values at the serialization boundary by a System.Text.Json round trip (the bytes a cluster
/// fabric would send); immutable values pass as they are.</summary>
internal sealed class DeepCopier : IGrainArgumentCopier
{
    private readonly JsonSerializerOptions _options;

    public DeepCopier(JsonSerializerOptions options)
    {
        _options = options;
    }

    public T Copy<T>(T value)
    {
        if (ImmutableTypes<T>.IsImmutable || value is null)
        {
            return value;
        }

        // Declared collection interfaces (IReadOnlyList<T>, IDictionary<K,V>, …) are copied as the interface: the
        // runtime type may be one no serializer can rebuild (a collection expression's compiler-generated type),
        // and the callee can only rely on the interface anyway. Other non-exact types keep their runtime type.
        var type = ImmutableTypes<T>.IsExact || DeclaredCollection<T>.IsInterface ? typeof(T) : value.GetType();
        if (!ImmutableTypes<T>.IsExact && ImmutableTypes.IsImmutable(type))
        {
            return value;
        }

        return (T)CopySlow(value, type);
    }

    /// <summary>Copies a value of a type known only at run time.</summary>
    public object? CopyObject(object? value)
    {
        if (value is null || ImmutableTypes.IsImmutable(value.GetType()))
        {
            return value;
        }

        return CopySlow(value, value.GetType());
    }

    private static class DeclaredCollection<T>
    {
        public static readonly bool IsInterface = typeof(T).IsInterface && typeof(System.Collections.IEnumerable).IsAssignableFrom(typeof(T));
    }

    private object CopySlow(object value, Type type)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(value, type, _options);
        return JsonSerializer.Deserialize(bytes, type, _options)
            ?? throw new JsonException($"A {type.Name} serialized to JSON null.");
    }
}
