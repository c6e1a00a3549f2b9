using Xunit.Sdk;

namespace MailMesh.Testing;

/// <summary>
/// A fact that needs real test servers. When one is not reachable the test is skipped with the
/// reason, or, when <c>MAILMESH_TEST_SERVERS=required</c> (set by <c>scripts/test.sh</c> and CI),
/// it fails with a message naming the server, its address and how to start it.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
[XunitTestCaseDiscoverer("MailMesh.Testing.Internal.ServerFactDiscoverer", "MailMesh.Testing")]
public sealed class ServerFactAttribute : FactAttribute
{
    /// <summary>Requires <paramref name="servers"/>.</summary>
    public ServerFactAttribute(params Server[] servers)
    {
        Servers = servers;
        (Skip, RequiredServerProblem) = ServerRequirement.Evaluate(servers);
    }

    /// <summary>The servers this test needs.</summary>
    public IReadOnlyList<Server> Servers { get; }

    /// <summary>Set when a required server is unreachable and servers are required: the test fails with this message.</summary>
    public string? RequiredServerProblem { get; }
}

/// <summary>A theory that needs real test servers; see <see cref="ServerFactAttribute"/>.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
[XunitTestCaseDiscoverer("MailMesh.Testing.Internal.ServerTheoryDiscoverer", "MailMesh.Testing")]
public sealed class ServerTheoryAttribute : TheoryAttribute
{
    /// <summary>Requires <paramref name="servers"/>.</summary>
    public ServerTheoryAttribute(params Server[] servers)
    {
        Servers = servers;
        (Skip, RequiredServerProblem) = ServerRequirement.Evaluate(servers);
    }

    /// <summary>The servers this test needs.</summary>
    public IReadOnlyList<Server> Servers { get; }

    /// <summary>Set when a required server is unreachable and servers are required: the test fails with this message.</summary>
    public string? RequiredServerProblem { get; }
}

internal static class ServerRequirement
{
    /// <summary>(skip reason, failure message): at most one is set.</summary>
    public static (string? Skip, string? Failure) Evaluate(IReadOnlyList<Server> servers)
    {
        if (servers.Count == 0)
        {
            return (null, "[ServerFact]/[ServerTheory] names no server: pass the servers the test needs, e.g. [ServerFact(Server.Postgres)].");
        }

        TestServerSettings settings;
        try
        {
            settings = TestServers.Settings;
        }
        catch (InvalidOperationException e)
        {
            return (null, "The test server settings are invalid: " + e.Message);
        }

        var problems = servers.Distinct().Select(TestServers.GetProblem).OfType<string>().ToList();
        if (problems.Count == 0)
        {
            return (null, null);
        }

        var message = string.Join(" ", problems);
        return settings.ServersRequired
            ? (null, message + " (MAILMESH_TEST_SERVERS=required, so this fails instead of being skipped.)")
            : (message, null);
    }
}
