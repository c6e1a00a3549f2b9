using MailMesh.Runtime.Invocation;

namespace MailMesh.Runtime.Cluster;

/// <summary>Carries calls to grains that this silo does not host (cluster mode). Registered by a cluster fabric; the
/// runtime asks it about every call, so <see cref="IsLocal"/> must be cheap. Without one (embedded mode) every grain
/// is local.</summary>
public interface IGrainCallRouter
{
    /// <summary>Whether calls to <paramref name="grain"/> run on this silo now; when false the runtime hands them to
    /// <see cref="SendAsync"/>.</summary>
    bool IsLocal(GrainId grain);

    /// <summary>Sends the call to the silo that hosts <paramref name="grain"/> and returns its answer (or the grain's
    /// exception). The request's arguments are serialized, so the callee never shares them with the caller.</summary>
    /// <exception cref="GrainCallTimeoutException">No answer within <paramref name="timeout"/>.</exception>
    /// <exception cref="SiloUnavailableException">The fabric cannot carry calls now (e.g. the broker is unreachable).</exception>
    Task<TResult> SendAsync<TResult>(GrainId grain, GrainRequest<TResult> request, TimeSpan timeout);
}
