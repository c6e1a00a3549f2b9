namespace MailMesh.Runtime;

/// <summary>Marks a type whose instances never change after construction: calls pass them across the
/// serialization boundary without copying.</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct | AttributeTargets.Parameter | AttributeTargets.ReturnValue, Inherited = false)]
public sealed class ImmutableAttribute : Attribute;

/// <summary>On a grain class: every call may interleave with others at its awaits (opt-in; grains are
/// non-reentrant by default).</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = true)]
public sealed class ReentrantAttribute : Attribute;

/// <summary>On a grain interface method: the call may interleave with any other call of the grain.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class AlwaysInterleaveAttribute : Attribute;

/// <summary>On a grain interface method: the method does not change state, so read-only calls may run
/// together; they never interleave with a call that is not read-only.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ReadOnlyAttribute : Attribute;

/// <summary>On a grain interface method: overrides the call timeout for this method (milliseconds).</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class CallTimeoutAttribute(int milliseconds) : Attribute
{
    /// <summary>The timeout.</summary>
    public TimeSpan Timeout { get; } = TimeSpan.FromMilliseconds(milliseconds);
}
