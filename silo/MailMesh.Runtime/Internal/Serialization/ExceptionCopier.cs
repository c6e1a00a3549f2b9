using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.ExceptionServices;

namespace MailMesh.Runtime.Internal.Serialization;

/// <summary>Carries a grain's exception across the call boundary: the caller gets a new exception of the same type
/// with the same message (built through a public constructor whose parameters match the exception's properties,
/// with copied values) and the grain's stack trace; when no constructor fits, a <see cref="RemoteGrainException"/>
/// with the original type name and message.</summary>
internal sealed class ExceptionCopier
{
    private readonly DeepCopier _copier;
    private readonly ConcurrentDictionary<Type, Candidate[]> _candidates = new();

    public ExceptionCopier(DeepCopier copier)
    {
        _copier = copier;
    }

    public Exception Copy(Exception original)
    {
        var copy = TryRecreate(original)
                   ?? new RemoteGrainException(original.GetType().FullName ?? original.GetType().Name, original.Message, original.StackTrace);
        if (original.StackTrace is { } stackTrace)
        {
            ExceptionDispatchInfo.SetRemoteStackTrace(copy, stackTrace);
        }

        return copy;
    }

    private Exception? TryRecreate(Exception original)
    {
        Exception? fallback = null;
        foreach (var candidate in _candidates.GetOrAdd(original.GetType(), FindCandidates))
        {
            Exception? copy;
            try
            {
                var args = new object?[candidate.Sources.Length];
                for (var i = 0; i < args.Length; i++)
                {
                    args[i] = candidate.Sources[i] is { } property ? _copier.CopyObject(ValueOf(property, original)) : candidate.Defaults[i];
                }

                copy = (Exception)candidate.Constructor.Invoke(args);
            }
            catch (Exception e) when (e is TargetInvocationException or ArgumentException or NotSupportedException or System.Text.Json.JsonException)
            {
                // This constructor rejects the values; the next candidate (or RemoteGrainException) stands in.
                continue;
            }

            if (copy.Message == original.Message)
            {
                return copy;
            }

            fallback ??= copy;
        }

        return fallback;
    }

    private static object? ValueOf(PropertyInfo property, Exception original)
    {
        // ArgumentException appends " (Parameter 'x')" to the message it was given; give back what it was given.
        if (property.Name == nameof(Exception.Message) && original is ArgumentException { ParamName: { } name } argument)
        {
            var suffix = $" (Parameter '{name}')";
            return argument.Message.EndsWith(suffix, StringComparison.Ordinal) ? argument.Message[..^suffix.Length] : argument.Message;
        }

        return property.GetValue(original);
    }

    private static Candidate[] FindCandidates(Type type)
    {
        var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanRead && p.GetIndexParameters().Length == 0)
            .ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);
        var result = new List<Candidate>();
        foreach (var ctor in type.GetConstructors().OrderByDescending(c => c.GetParameters().Length))
        {
            var parameters = ctor.GetParameters();
            var sources = new PropertyInfo?[parameters.Length];
            var defaults = new object?[parameters.Length];
            var fits = true;
            for (var i = 0; i < parameters.Length && fits; i++)
            {
                var p = parameters[i];
                if (p.Name is not null && properties.TryGetValue(p.Name, out var property) && p.ParameterType.IsAssignableFrom(property.PropertyType)
                    && p.ParameterType != typeof(Exception))
                {
                    sources[i] = property;
                }
                else if (p.HasDefaultValue)
                {
                    defaults[i] = p.DefaultValue;
                }
                else if (p.ParameterType == typeof(Exception) || !p.ParameterType.IsValueType)
                {
                    // Inner exceptions (and other references the exception does not expose) are not carried.
                    fits = p.ParameterType == typeof(Exception);
                }
                else
                {
                    fits = false;
                }
            }

            if (fits)
            {
                result.Add(new Candidate(ctor, sources, defaults));
            }
        }

        return result.ToArray();
    }

    private sealed record Candidate(ConstructorInfo Constructor, PropertyInfo?[] Sources, object?[] Defaults);
}
