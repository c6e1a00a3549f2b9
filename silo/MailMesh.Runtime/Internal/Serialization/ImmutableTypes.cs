using System.Collections.Concurrent;
using System.Reflection;
using MailMesh.Runtime.Invocation;

namespace MailMesh.Runtime.Internal.Serialization;

/// <summary>Which types cross the call boundary without a copy: values of them can never change.</summary>
internal static class ImmutableTypes
{
    private static readonly ConcurrentDictionary<Type, bool> Cache = new();

    private static readonly HashSet<Type> Known =
    [
        typeof(string), typeof(decimal), typeof(DateTime), typeof(DateTimeOffset), typeof(TimeSpan), typeof(Guid),
        typeof(DateOnly), typeof(TimeOnly), typeof(Uri), typeof(Version), typeof(CancellationToken), typeof(GrainId),
        typeof(GrainVoid), typeof(Int128), typeof(UInt128), typeof(Half),
    ];

    public static bool IsImmutable(Type type) => Cache.GetOrAdd(type, Compute);

    private static bool Compute(Type type)
    {
        if (type.IsPrimitive || type.IsEnum || Known.Contains(type))
        {
            return true;
        }

        if (Nullable.GetUnderlyingType(type) is { } underlying)
        {
            return IsImmutable(underlying);
        }

        // Grain references are immutable; an interface typed as a grain interface holds one.
        if (typeof(GrainReference).IsAssignableFrom(type) || (type.IsInterface && typeof(IGrain).IsAssignableFrom(type)))
        {
            return true;
        }

        return type.GetCustomAttribute<ImmutableAttribute>(inherit: false) is not null;
    }
}

/// <summary>Per-type cache of <see cref="ImmutableTypes.IsImmutable"/> that the JIT folds for sealed types.</summary>
internal static class ImmutableTypes<T>
{
    public static readonly bool IsImmutable = ImmutableTypes.IsImmutable(typeof(T));

    public static readonly bool IsExact = typeof(T).IsValueType || typeof(T).IsSealed;
}
