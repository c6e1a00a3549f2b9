namespace MailMesh.Runtime.Invocation;

/// <summary>What a runtime needs to know about a grain interface method (generated).</summary>
public sealed class GrainMethodInfo
{
    /// <summary>Creates the description.</summary>
    /// <param name="interfaceType">The grain interface the calls are addressed to.</param>
    /// <param name="name">The method's name.</param>
    /// <param name="id">Stable id of the method within the interface (a hash of its signature).</param>
    /// <param name="flags">Scheduling flags from the method's attributes.</param>
    /// <param name="timeoutMilliseconds">The <see cref="CallTimeoutAttribute"/> value; 0 when absent.</param>
    /// <param name="parameterTypes">Declared parameter types, in order.</param>
    /// <param name="createRequest">Creates an empty request of this method (for deserialization).</param>
    public GrainMethodInfo(
        Type interfaceType,
        string name,
        int id,
        GrainMethodFlags flags,
        int timeoutMilliseconds,
        Type[] parameterTypes,
        Func<GrainRequest> createRequest)
    {
        InterfaceType = interfaceType;
        Name = name;
        Id = id;
        Flags = flags;
        Timeout = timeoutMilliseconds > 0 ? TimeSpan.FromMilliseconds(timeoutMilliseconds) : null;
        ParameterTypes = parameterTypes;
        CreateRequest = createRequest;
        DisplayName = $"{interfaceType.Name}.{name}";
    }

    /// <summary>The grain interface.</summary>
    public Type InterfaceType { get; }

    /// <summary>The method's name.</summary>
    public string Name { get; }

    /// <summary><c>IInterface.Method</c>, for messages.</summary>
    public string DisplayName { get; }

    /// <summary>Stable id within the interface.</summary>
    public int Id { get; }

    /// <summary>Scheduling flags.</summary>
    public GrainMethodFlags Flags { get; }

    /// <summary>Whether the method is <see cref="ReadOnlyAttribute">read-only</see>.</summary>
    public bool IsReadOnly => (Flags & GrainMethodFlags.ReadOnly) != 0;

    /// <summary>Whether the method is <see cref="AlwaysInterleaveAttribute">always interleaving</see>.</summary>
    public bool IsAlwaysInterleave => (Flags & GrainMethodFlags.AlwaysInterleave) != 0;

    /// <summary>The method's own call timeout; null to use the runtime's default.</summary>
    public TimeSpan? Timeout { get; }

    /// <summary>Declared parameter types, in order.</summary>
    public IReadOnlyList<Type> ParameterTypes { get; }

    /// <summary>Creates an empty request of this method.</summary>
    public Func<GrainRequest> CreateRequest { get; }

    /// <inheritdoc />
    public override string ToString() => DisplayName;
}

/// <summary>Scheduling flags of a grain method.</summary>
[Flags]
public enum GrainMethodFlags
{
    /// <summary>An ordinary method: one turn at a time.</summary>
    None = 0,

    /// <summary>Marked <see cref="ReadOnlyAttribute"/>.</summary>
    ReadOnly = 1,

    /// <summary>Marked <see cref="AlwaysInterleaveAttribute"/>.</summary>
    AlwaysInterleave = 2,
}

/// <summary>Everything generated for one grain interface: how to make a proxy and its methods.</summary>
public sealed class GrainInterfaceDescriptor
{
    private readonly Dictionary<int, GrainMethodInfo> _methodsById;

    /// <summary>Creates the descriptor.</summary>
    public GrainInterfaceDescriptor(
        Type interfaceType,
        Func<GrainId, IGrainCallInvoker, GrainReference> createProxy,
        IReadOnlyList<GrainMethodInfo> methods)
    {
        InterfaceType = interfaceType;
        GrainType = interfaceType.FullName ?? interfaceType.Name;
        CreateProxy = createProxy;
        Methods = methods;
        _methodsById = methods.ToDictionary(m => m.Id);
    }

    /// <summary>The grain interface.</summary>
    public Type InterfaceType { get; }

    /// <summary>The <see cref="GrainId.Type"/> of its grains (the interface's full name).</summary>
    public string GrainType { get; }

    /// <summary>Creates a proxy that sends calls through the given invoker.</summary>
    public Func<GrainId, IGrainCallInvoker, GrainReference> CreateProxy { get; }

    /// <summary>Its methods (including inherited ones).</summary>
    public IReadOnlyList<GrainMethodInfo> Methods { get; }

    /// <summary>Finds a method by id; null when the interface has none with that id.</summary>
    public GrainMethodInfo? FindMethod(int id) => _methodsById.GetValueOrDefault(id);

    /// <summary>Whether <paramref name="type"/> is a generated proxy type: proxies are references, never copied.</summary>
    public static bool IsProxy(Type type) => typeof(GrainReference).IsAssignableFrom(type);
}
