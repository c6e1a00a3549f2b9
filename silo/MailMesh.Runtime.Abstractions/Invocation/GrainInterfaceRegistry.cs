using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace MailMesh.Runtime.Invocation;

/// <summary>Descriptors of every grain interface, registered by generated module initializers.</summary>
public static class GrainInterfaceRegistry
{
    private static readonly ConcurrentDictionary<Type, GrainInterfaceDescriptor> ByType = new();
    private static readonly ConcurrentDictionary<string, GrainInterfaceDescriptor> ByName = new(StringComparer.Ordinal);

    /// <summary>Registers a descriptor (called by generated code).</summary>
    public static void Register(GrainInterfaceDescriptor descriptor)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        ByType[descriptor.InterfaceType] = descriptor;
        ByName[descriptor.GrainType] = descriptor;
    }

    /// <summary>The descriptor of <paramref name="interfaceType"/>; null when no proxy was generated for it.</summary>
    public static GrainInterfaceDescriptor? Find(Type interfaceType)
    {
        if (ByType.TryGetValue(interfaceType, out var descriptor))
        {
            return descriptor;
        }

        // The module initializer of the declaring assembly may not have run yet.
        RuntimeHelpers.RunModuleConstructor(interfaceType.Module.ModuleHandle);
        return ByType.GetValueOrDefault(interfaceType);
    }

    /// <summary>The descriptor of the grain type name (<see cref="GrainId.Type"/>); null when unknown.</summary>
    public static GrainInterfaceDescriptor? Find(string grainType) => ByName.GetValueOrDefault(grainType);
}

/// <summary>Helpers used by generated invokers.</summary>
public static class GrainInvokeHelpers
{
    /// <summary>Adapts a <see cref="Task"/> to a <see cref="GrainVoid"/> result without allocating when it has completed.</summary>
    public static ValueTask<GrainVoid> FromTask(Task task)
    {
        ArgumentNullException.ThrowIfNull(task);
        return task.IsCompletedSuccessfully ? default : Await(task);

        static async ValueTask<GrainVoid> Await(Task t)
        {
            await t.ConfigureAwait(false);
            return default;
        }
    }

    /// <summary>Adapts a <see cref="ValueTask"/> to a <see cref="GrainVoid"/> result.</summary>
    public static ValueTask<GrainVoid> FromValueTask(ValueTask task)
    {
        if (task.IsCompletedSuccessfully)
        {
            task.GetAwaiter().GetResult();
            return default;
        }

        return Await(task);

        static async ValueTask<GrainVoid> Await(ValueTask t)
        {
            await t.ConfigureAwait(false);
            return default;
        }
    }
}
