using System.Text.Json;

namespace MailMesh.Silo.Tests;

/// <summary>The runtime settings the silo host's build writes to <c>mailmesh-silo.runtimeconfig.json</c> (copied beside
/// the tests, as beside the host), read from that file as the runtime reads it at start.</summary>
public sealed class RuntimeSettingsTests
{
    [Fact]
    public void SiloHostRuntimeConfig_ThreadPool_WorkersSleepWithoutSpinning()
    {
        var spinLimit = ConfigProperty("System.Threading.ThreadPool.UnfairSemaphoreSpinLimit");

        Assert.Equal(JsonValueKind.Number, spinLimit.ValueKind);
        Assert.Equal(0, spinLimit.GetInt32());
    }

    [Fact]
    public void SiloHostRuntimeConfig_Jit_TieredPgoOff()
    {
        Assert.Equal(JsonValueKind.False, ConfigProperty("System.Runtime.TieredPGO").ValueKind);
    }

    private static JsonElement ConfigProperty(string name)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "mailmesh-silo.runtimeconfig.json");
        Assert.True(File.Exists(path), $"the silo host's runtime settings are not at {path}");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var properties = document.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");
        Assert.True(properties.TryGetProperty(name, out var value), $"{path} does not set {name}");
        return value.Clone();
    }
}
