using System.Text.Json;

namespace MailMesh.Runtime;

/// <summary>Settings of the grain runtime (configuration section <c>Runtime</c>).</summary>
public sealed class GrainRuntimeOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Runtime";

    /// <summary>An activation that has had no call for this long is deactivated. Default 10 minutes.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How often idle activations are looked for. Default 1 minute (never more than the idle timeout).</summary>
    public TimeSpan IdleCheckInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Default call timeout (a method's <see cref="CallTimeoutAttribute"/> overrides it). Default 30 s.</summary>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often calls are checked against their timeout. Default 250 ms.</summary>
    public TimeSpan CallTimeoutCheckInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Longest graceful shutdown: after it, <see cref="Silo.StopAsync"/> stops waiting for running turns
    /// and deactivations (they are logged). Default 30 s.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Whether deactivation writes a persistent state whose serialized form changed since it was last
    /// read or written, or that has events not yet written. Default true (graceful shutdown persists).</summary>
    public bool PersistChangedStateOnDeactivate { get; set; } = true;

    /// <summary>Options of the JSON serializer used for state, event payloads and copies at the call boundary.</summary>
    public JsonSerializerOptions JsonOptions { get; set; } = new(JsonSerializerDefaults.General);

    /// <summary>Most work items one activation runs before yielding its thread to others. Default 64.</summary>
    public int MaxWorkItemsPerBatch { get; set; } = 64;
}
