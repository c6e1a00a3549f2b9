using System.Collections.Concurrent;
using MailMesh.Runtime.Internal.Activation;

namespace MailMesh.Runtime.Internal.Persistence;

/// <summary>What the activation needs from each of its persistent states.</summary>
internal interface IStateHandle
{
    string Name { get; }

    /// <summary>Reads the state at activation.</summary>
    /// <exception cref="StateReadException">The row could not be read or decoded.</exception>
    Task ReadAsync(CancellationToken cancellationToken);

    /// <summary>Writes the state when it changed since the last read/write or events are pending.</summary>
    Task PersistIfChangedAsync(CancellationToken cancellationToken);
}

/// <summary>Creates <see cref="PersistentState{TState}"/> objects for state types known at run time.</summary>
internal static class PersistentStateFactory
{
    private static readonly ConcurrentDictionary<Type, Func<string, ActivationData, object>> Factories = new();

    public static Func<string, ActivationData, object> For(Type stateType) => Factories.GetOrAdd(stateType, static t =>
    {
        if (t.GetConstructor(Type.EmptyTypes) is null && !t.IsValueType)
        {
            throw new InvalidOperationException($"State type {t.FullName} needs a public parameterless constructor.");
        }

        var method = typeof(PersistentStateFactory).GetMethod(nameof(Create), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .MakeGenericMethod(t);
        return method.CreateDelegate<Func<string, ActivationData, object>>();
    });

    private static object Create<TState>(string name, ActivationData activation)
        where TState : new()
    {
        var state = new PersistentState<TState>(name, activation);
        activation.States.Add(state);
        return state;
    }
}

/// <summary>Syntax of state names.</summary>
internal static class StateNames
{
    public static string? Validate(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return "it is empty";
        }

        if (name.Length > 100)
        {
            return "it is longer than 100 characters";
        }

        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            {
                return $"'{c}' is not allowed; use letters, digits, '-', '_' and '.'";
            }
        }

        return null;
    }
}

/// <summary>A stored state row could not be read or decoded. The row is left as it is.</summary>
internal sealed class StateReadException(string message, Exception inner) : Exception(message, inner);
