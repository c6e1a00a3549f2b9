using System.Reflection;

namespace MailMesh.Runtime.Internal.Activation;

/// <summary>Which grain class implements each grain interface, from assembly scans and explicit registrations.</summary>
internal sealed class GrainTypeRegistry
{
    private readonly Dictionary<string, GrainClassInfo> _byInterface = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _ambiguous = new(StringComparer.Ordinal);

    public GrainTypeRegistry(IEnumerable<GrainRegistration> registrations)
    {
        var classes = new Dictionary<Type, GrainClassInfo>();
        var explicitInterfaces = new HashSet<string>(StringComparer.Ordinal);
        foreach (var registration in registrations.OrderBy(r => r.InterfaceType is null ? 0 : 1))
        {
            if (registration.InterfaceType is { } iface)
            {
                var info = GetClass(classes, registration.ClassType!);
                _byInterface[Name(iface)] = info;
                _ambiguous.Remove(Name(iface));
                explicitInterfaces.Add(Name(iface));
                continue;
            }

            foreach (var type in LoadableTypes(registration.Assembly!))
            {
                if (!type.IsClass || type.IsAbstract || type.IsGenericTypeDefinition || !typeof(Grain).IsAssignableFrom(type))
                {
                    continue;
                }

                foreach (var grainInterface in GrainInterfaces(type))
                {
                    var name = Name(grainInterface);
                    if (explicitInterfaces.Contains(name))
                    {
                        continue;
                    }

                    if (_byInterface.TryGetValue(name, out var existing) && existing.ClassType != type)
                    {
                        _ambiguous[name] = $"{existing.ClassType.FullName} and {type.FullName}";
                        continue;
                    }

                    _byInterface[name] = GetClass(classes, type);
                }
            }
        }
    }

    public IEnumerable<string> GrainTypes => _byInterface.Keys;

    public GrainClassInfo? Find(string grainType) => _byInterface.GetValueOrDefault(grainType);

    /// <exception cref="InvalidOperationException">No class, or more than one, implements the interface.</exception>
    public GrainClassInfo Get(string grainType)
    {
        if (_ambiguous.TryGetValue(grainType, out var classes))
        {
            throw new InvalidOperationException(
                $"Grain interface {grainType} is implemented by {classes}; register the one to use with AddGrain<TInterface, TGrain>().");
        }

        return Find(grainType) ?? throw new InvalidOperationException(
            $"No grain class implements {grainType} on this silo; register its assembly with AddGrainsFromAssembly(...) or AddGrain<TInterface, TGrain>().");
    }

    internal static IEnumerable<Type> GrainInterfaces(Type classType) =>
        classType.GetInterfaces().Where(i => typeof(IGrainWithStringKey).IsAssignableFrom(i) && i != typeof(IGrainWithStringKey));

    private static string Name(Type type) => type.FullName ?? type.Name;

    private static GrainClassInfo GetClass(Dictionary<Type, GrainClassInfo> classes, Type type)
    {
        if (!classes.TryGetValue(type, out var info))
        {
            info = new GrainClassInfo(type);
            classes[type] = info;
        }

        return info;
    }

    private static IEnumerable<Type> LoadableTypes(Assembly assembly)
    {
        try
        {
            return assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException e)
        {
            return e.Types.Where(t => t is not null)!;
        }
    }
}

/// <summary>A grain registration: an assembly to scan, or one interface with its class.</summary>
internal sealed record GrainRegistration(Assembly? Assembly, Type? InterfaceType, Type? ClassType);
