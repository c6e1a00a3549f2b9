using System.Reflection;
using System.Runtime.ExceptionServices;
using MailMesh.Runtime.Internal.Persistence;

namespace MailMesh.Runtime.Internal.Activation;

/// <summary>How to create a grain class: its constructor and what each parameter gets (a persistent state or a
/// service), worked out once.</summary>
internal sealed class GrainClassInfo
{
    private readonly ConstructorInfo _constructor;
    private readonly Func<ActivationData, IServiceProvider, object?>[] _arguments;

    public GrainClassInfo(Type classType)
    {
        ClassType = classType;
        IsReentrant = classType.GetCustomAttribute<ReentrantAttribute>(inherit: true) is not null;
        var constructors = classType.GetConstructors();
        if (constructors.Length == 0)
        {
            throw new InvalidOperationException($"Grain class {classType.FullName} has no public constructor.");
        }

        _constructor = constructors.OrderByDescending(c => c.GetParameters().Length).First();
        var names = new HashSet<string>(StringComparer.Ordinal);
        _arguments = _constructor.GetParameters().Select(p => Bind(classType, p, names)).ToArray();
    }

    public Type ClassType { get; }

    public bool IsReentrant { get; }

    public object Create(ActivationData activation, IServiceProvider services)
    {
        var args = new object?[_arguments.Length];
        for (var i = 0; i < args.Length; i++)
        {
            args[i] = _arguments[i](activation, services);
        }

        try
        {
            return _constructor.Invoke(args);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            ExceptionDispatchInfo.Capture(e.InnerException).Throw();
            throw;
        }
    }

    private static Func<ActivationData, IServiceProvider, object?> Bind(Type classType, ParameterInfo parameter, HashSet<string> stateNames)
    {
        var attribute = parameter.GetCustomAttribute<PersistentStateAttribute>();
        if (attribute is not null)
        {
            var type = parameter.ParameterType;
            if (!type.IsGenericType || type.GetGenericTypeDefinition() != typeof(IPersistentState<>))
            {
                throw new InvalidOperationException(
                    $"Parameter '{parameter.Name}' of {classType.FullName} has [PersistentState] but is a {type.Name}, not an IPersistentState<T>.");
            }

            var error = StateNames.Validate(attribute.StateName);
            if (error is not null)
            {
                throw new InvalidOperationException($"State name '{attribute.StateName}' on {classType.FullName}.{parameter.Name} is invalid: {error}.");
            }

            if (!stateNames.Add(attribute.StateName))
            {
                throw new InvalidOperationException($"{classType.FullName} declares state '{attribute.StateName}' twice.");
            }

            var factory = PersistentStateFactory.For(type.GetGenericArguments()[0]);
            var name = attribute.StateName;
            return (activation, _) => factory(name, activation);
        }

        var serviceType = parameter.ParameterType;
        return (activation, services) => services.GetService(serviceType)
                                         ?? (parameter.HasDefaultValue
                                             ? parameter.DefaultValue
                                             : throw new InvalidOperationException(
                                                 $"Cannot create {classType.Name} for {activation.GrainId}: no service of type {serviceType.Name} " +
                                                 $"is registered for its constructor parameter '{parameter.Name}'."));
    }
}
