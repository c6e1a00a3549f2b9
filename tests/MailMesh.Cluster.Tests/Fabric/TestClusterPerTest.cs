namespace MailMesh.Cluster.Tests.Fabric;

/// <summary>Base of the tests that run silos on a <see cref="TestCluster"/>: each test gets its own, made when the test
/// first uses it (so a test skipped for want of its servers touches none) and disposed after the test.</summary>
public abstract class TestClusterPerTest : IAsyncLifetime
{
    private TestCluster? _cluster;

    protected TestCluster Cluster => _cluster ??= new TestCluster();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }
}
