namespace MailMesh.Runtime;

/// <summary>On a grain constructor parameter of type <see cref="IPersistentState{TState}"/>: the runtime injects
/// the state stored under <see cref="StateName"/> for this grain, read before <see cref="Grain.OnActivateAsync"/>.</summary>
[AttributeUsage(AttributeTargets.Parameter)]
public sealed class PersistentStateAttribute : Attribute
{
    /// <summary>Creates the attribute.</summary>
    /// <param name="stateName">Name of the state within the grain (1–100 characters: letters, digits, '-', '_', '.').</param>
    public PersistentStateAttribute(string stateName)
    {
        StateName = stateName;
    }

    /// <summary>Name of the state within the grain.</summary>
    public string StateName { get; }
}
