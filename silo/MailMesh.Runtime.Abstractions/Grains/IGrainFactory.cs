namespace MailMesh.Runtime;

/// <summary>Hands out references to grains. A reference is cheap, never activates anything by itself,
/// and can be held for as long as the caller likes; the grain is activated on its first call.</summary>
public interface IGrainFactory
{
    /// <summary>Returns a typed reference to the grain of interface <typeparamref name="TGrain"/> with
    /// the given key.</summary>
    /// <exception cref="InvalidGrainKeyException">The key is not of the form <c>tenant/…</c>.</exception>
    TGrain GetGrain<TGrain>(string key)
        where TGrain : IGrainWithStringKey;
}
