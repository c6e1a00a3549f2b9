using MailMesh.Runtime.Invocation;

namespace MailMesh.Runtime.Internal.Calls;

/// <summary>The silo's in-process fabric: proxies call it; it checks the call, copies the arguments across the
/// serialization boundary and queues the call on the grain's activation.</summary>
internal sealed class GrainCallInvoker : IGrainCallInvoker, IGrainFactory
{
    private readonly SiloRuntime _runtime;

    public GrainCallInvoker(SiloRuntime runtime)
    {
        _runtime = runtime;
    }

    public TGrain GetGrain<TGrain>(string key)
        where TGrain : IGrainWithStringKey
    {
        var type = typeof(TGrain);
        var descriptor = GrainInterfaceRegistry.Find(type)
            ?? throw new InvalidOperationException(
                $"No proxy was generated for {type.FullName}: the project that declares it must reference MailMesh.Runtime.CodeGen " +
                "as an analyzer (<ProjectReference ... OutputItemType=\"Analyzer\" ReferenceOutputAssembly=\"false\" />).");
        var id = GrainId.Create(descriptor.GrainType, key);
        return (TGrain)(object)descriptor.CreateProxy(id, this);
    }

    public ValueTask<TResult> InvokeAsync<TResult>(GrainReference target, GrainRequest<TResult> request)
    {
        try
        {
            var (call, version) = Prepare(target, request);
            return new ValueTask<TResult>(call, version);
        }
        catch (Exception e)
        {
            return ValueTask.FromException<TResult>(e);
        }
    }

    public ValueTask InvokeVoidAsync(GrainReference target, GrainRequest<GrainVoid> request)
    {
        try
        {
            var (call, version) = Prepare(target, request);
            return new ValueTask(call, version);
        }
        catch (Exception e)
        {
            return ValueTask.FromException(e);
        }
    }

    private (GrainCall<TResult> Call, short Version) Prepare<TResult>(GrainReference target, GrainRequest<TResult> request)
    {
        var caller = CallChain.Current;
        var grain = target.GrainId;
        var method = request.Method;
        _runtime.EnsureAcceptsCall(caller, grain);
        if (caller is not null && !method.IsAlwaysInterleave)
        {
            var link = caller.FindBlockingLink(grain, method);
            if (link is not null && !_runtime.Catalog.IsReentrant(grain))
            {
                throw new DeadlockException(caller.Describe(grain, method.Name));
            }
        }

        try
        {
            request.CopyArguments(_runtime.Copier);
        }
        catch (Exception e)
        {
            throw new ArgumentException($"An argument of {grain}.{method.Name} cannot cross the grain call boundary: {e.Message}", e);
        }

        var timeout = method.Timeout ?? _runtime.Options.CallTimeout;
        var deadline = _runtime.TimeProvider.GetTimestamp() + (long)(timeout.TotalSeconds * _runtime.TimeProvider.TimestampFrequency);
        var call = GrainCall<TResult>.Rent(request, grain, caller, deadline, timeout);
        var version = call.Version;
        _runtime.Catalog.Dispatch(target, call);
        return (call, version);
    }
}
