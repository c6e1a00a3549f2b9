namespace MailMesh.Runtime.Invocation;

/// <summary>One call of a grain interface method: which method, and its arguments. Generated for every
/// method of every grain interface; a runtime moves it to the grain and runs it there.</summary>
public abstract class GrainRequest
{
    /// <summary>The method called.</summary>
    public abstract GrainMethodInfo Method { get; }

    /// <summary>Number of arguments.</summary>
    public abstract int ArgumentCount { get; }

    /// <summary>Reads argument <paramref name="index"/> (boxed); for fabrics that serialize requests.</summary>
    public abstract object? GetArgument(int index);

    /// <summary>Sets argument <paramref name="index"/>; for fabrics that deserialize requests.</summary>
    public abstract void SetArgument(int index, object? value);

    /// <summary>Replaces every argument whose type is not immutable with a deep copy, so the callee never
    /// shares a mutable object with the caller.</summary>
    public virtual void CopyArguments(IGrainArgumentCopier copier)
    {
    }
}

/// <summary>A call whose answer is a <typeparamref name="TResult"/> (<see cref="GrainVoid"/> for methods
/// without a result).</summary>
public abstract class GrainRequest<TResult> : GrainRequest
{
    /// <summary>Calls the method on <paramref name="grain"/> (the grain object implementing the interface).</summary>
    public abstract ValueTask<TResult> InvokeAsync(object grain);
}

/// <summary>The result of a grain method that returns <see cref="Task"/> or <see cref="ValueTask"/>.</summary>
[Immutable]
public readonly record struct GrainVoid;

/// <summary>Deep-copies values at the serialization boundary.</summary>
public interface IGrainArgumentCopier
{
    /// <summary>Returns <paramref name="value"/> itself when its type is immutable, otherwise a deep copy.</summary>
    T Copy<T>(T value);
}
