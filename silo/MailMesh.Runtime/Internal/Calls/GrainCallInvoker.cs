using MailMesh.Runtime.Cluster;
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
            if (_runtime.Router is { } router && !router.IsLocal(target.GrainId))
            {
                return new ValueTask<TResult>(Send(router, target.GrainId, request));
            }

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
            if (_runtime.Router is { } router && !router.IsLocal(target.GrainId))
            {
                return new ValueTask(Send(router, target.GrainId, request));
            }

            var (call, version) = Prepare(target, request);
            return new ValueTask(call, version);
        }
        catch (Exception e)
        {
            return ValueTask.FromException(e);
        }
    }

    /// <summary>Runs a call a cluster fabric delivered to this silo: on the local activation, whatever the router says.</summary>
    public ValueTask<TResult> InvokeLocalAsync<TResult>(GrainId grain, GrainRequest<TResult> request, string? messageId = null)
    {
        try
        {
            _runtime.EnsureAcceptsCall(null, grain);
            var timeout = request.Method.Timeout ?? _runtime.Options.CallTimeout;
            var deadline = _runtime.TimeProvider.GetTimestamp() + (long)(timeout.TotalSeconds * _runtime.TimeProvider.TimestampFrequency);
            var call = GrainCall<TResult>.Rent(request, grain, null, deadline, timeout);
            call.SetDeliveredMessage(messageId);
            var version = call.Version;
            _runtime.Catalog.Dispatch(grain, call);
            return new ValueTask<TResult>(call, version);
        }
        catch (Exception e)
        {
            return ValueTask.FromException<TResult>(e);
        }
    }

    private Task<TResult> Send<TResult>(IGrainCallRouter router, GrainId grain, GrainRequest<TResult> request)
    {
        // A call to another silo leaves this silo's call chain: deadlocks across silos end in the call timeout.
        _runtime.EnsureAcceptsCall(CallChain.Current, grain);
        return router.SendAsync(grain, request, request.Method.Timeout ?? _runtime.Options.CallTimeout);
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
