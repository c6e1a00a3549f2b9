using MailMesh.Cluster.Tests.Processes;

namespace MailMesh.Cluster.Tests;

/// <summary>The test assembly doubles as the silo program of the process tests: <c>dotnet MailMesh.Cluster.Tests.dll
/// silo</c> runs one cluster silo configured by <c>CHAOS_*</c> environment variables (see <see cref="SiloProgram"/>);
/// <c>host --Key value …</c> runs the product silo with those settings (see <see cref="HostProgram"/>).
/// Without arguments it does nothing (the test runner loads the assembly as a library).</summary>
public static class Program
{
    public static Task<int> Main(string[] args) => args switch
    {
        ["silo", ..] => SiloProgram.RunAsync(),
        ["host", .. var settings] => HostProgram.RunAsync(settings),
        _ => Task.FromResult(0),
    };
}
