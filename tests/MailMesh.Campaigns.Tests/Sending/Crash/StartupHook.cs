using MailMesh.Campaigns.Tests.Sending.Crash;

#pragma warning disable CA1050 // The runtime looks the startup hook up by this exact name in the global namespace.

/// <summary>Runs the crash test's child program when this test assembly is started with <c>DOTNET_STARTUP_HOOKS</c>
/// naming it and <see cref="CrashHost.DirectoryVariable"/> set (the test project's generated entry point does nothing).
/// Without the variable it returns at once.</summary>
internal static class StartupHook
{
    public static void Initialize()
    {
        if (Environment.GetEnvironmentVariable(CrashHost.DirectoryVariable) is { Length: > 0 } directory)
        {
            Environment.Exit(CrashHost.RunAsync(directory).GetAwaiter().GetResult());
        }
    }
}
