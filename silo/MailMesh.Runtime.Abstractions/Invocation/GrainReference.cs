namespace MailMesh.Runtime.Invocation;

/// <summary>Base of generated grain proxies: a grain's id and the invoker that carries its calls. A
/// reference is immutable and may be passed to other grains.</summary>
public abstract class GrainReference : IEquatable<GrainReference>
{
    /// <summary>Creates the reference.</summary>
    protected GrainReference(GrainId grainId, IGrainCallInvoker invoker)
    {
        GrainId = grainId;
        Invoker = invoker;
    }

    /// <summary>The grain this reference points to.</summary>
    public GrainId GrainId { get; }

    /// <summary>Carries the calls.</summary>
    protected IGrainCallInvoker Invoker { get; }

    /// <summary>A slot the invoker may use to remember where this reference's calls went last (the silo keeps the
    /// grain's activation there to skip a table lookup per call). Not part of the reference's identity; only the
    /// invoker of this reference reads or writes it.</summary>
    [System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)]
    public object? InvokerCache { get; set; }

    /// <inheritdoc />
    public bool Equals(GrainReference? other) => other is not null && other.GrainId == GrainId;

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as GrainReference);

    /// <inheritdoc />
    public override int GetHashCode() => GrainId.GetHashCode();

    /// <inheritdoc />
    public override string ToString() => GrainId.ToString();
}

/// <summary>Carries calls from proxies to grains: the silo's in-process runtime, or later a cluster client.</summary>
public interface IGrainCallInvoker
{
    /// <summary>Sends <paramref name="request"/> to the grain of <paramref name="target"/> and returns its answer.</summary>
    ValueTask<TResult> InvokeAsync<TResult>(GrainReference target, GrainRequest<TResult> request);

    /// <summary>Sends a request whose method returns no value.</summary>
    ValueTask InvokeVoidAsync(GrainReference target, GrainRequest<GrainVoid> request);
}
