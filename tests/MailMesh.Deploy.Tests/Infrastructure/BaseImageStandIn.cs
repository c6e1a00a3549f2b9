using System.Runtime.InteropServices;

namespace MailMesh.Deploy.Tests.Infrastructure;

/// <summary>What stands in for the Dockerfile's base images, which cannot be pulled here: the host's own /usr and /etc
/// (read-only), the dotnet the tests run on, and the environment the .NET images set that changes what the build or the
/// silo does. The images are Linux distributions with the same .NET major version; the stand-in is Debian with the .NET
/// of this test run, so a difference between the two (a missing native library, another patch version) is out of
/// reach of the test (docs/adr/platform-03-dockerfile-verification.md).</summary>
internal sealed record BaseImageStandIn(string Image, int DotnetMajorVersion, IReadOnlyList<KeyValuePair<string, string>> Environment)
{
    /// <summary>The non-root user of the .NET images ("app", <c>$APP_UID</c>), whose home directory they create.</summary>
    public const int AppUid = 1654;

    /// <summary>Docker's PATH for images that set none (the .NET images keep it; their dotnet is /usr/bin/dotnet).</summary>
    private const string StandardPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    /// <summary>The directory of the dotnet that runs the tests (its shared runtime's grandparent).</summary>
    public static string DotnetRoot { get; } =
        Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));

    /// <summary>Where that dotnet is inside a stage's root: the same path when it is under /usr (bound with it),
    /// otherwise /opt/dotnet, so that an installation under /root stays reachable for the image's non-root user.</summary>
    public static string DotnetInContainer { get; } = DotnetRoot.StartsWith("/usr/", StringComparison.Ordinal) ? DotnetRoot : "/opt/dotnet";

    /// <summary>The .NET images the Dockerfile may start from, with the variables they set (dotnet/dotnet-docker: the
    /// runtime-deps image sets APP_UID, ASPNETCORE_HTTP_PORTS and DOTNET_RUNNING_IN_CONTAINER, and the aspnet and sdk
    /// images inherit them).</summary>
    public static BaseImageStandIn For(string image)
    {
        var separator = image.LastIndexOf(':');
        var (name, tag) = separator < 0 ? (image, "latest") : (image[..separator], image[(separator + 1)..]);
        if (name is not ("mcr.microsoft.com/dotnet/sdk" or "mcr.microsoft.com/dotnet/aspnet") || !int.TryParse(tag.Split('.')[0], out var major))
        {
            throw new InvalidOperationException($"no stand-in for base image {image}: the test knows the .NET sdk and aspnet images with a version tag");
        }

        // dotnet first, as /usr/bin/dotnet is in the images.
        var path = DotnetInContainer + ":" + StandardPath;
        return new BaseImageStandIn(image, major,
        [
            new("PATH", path),
            new("APP_UID", AppUid.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new("ASPNETCORE_HTTP_PORTS", "8080"),
            new("DOTNET_RUNNING_IN_CONTAINER", "true"),
        ]);
    }

    /// <summary>Whether this is an SDK image (one that builds) rather than a runtime image.</summary>
    public bool IsSdk => Image.StartsWith("mcr.microsoft.com/dotnet/sdk:", StringComparison.Ordinal);

    /// <summary>The home directory a process of <paramref name="uid"/> gets (the runtime sets HOME from the image's
    /// /etc/passwd: root's is /root, the app user's /home/app).</summary>
    public static string HomeOf(int uid) => uid == 0 ? "/root" : uid == AppUid ? "/home/app" : "/";

    /// <summary>Host directories bound read-only into a stage's root: the distribution and, when it lives outside /usr,
    /// the dotnet installation (at <see cref="DotnetInContainer"/>).</summary>
    public static IReadOnlyList<(string HostPath, string Target)> ReadOnlyHostDirectories =>
        DotnetInContainer == DotnetRoot ? [("/usr", "/usr"), ("/etc", "/etc")] : [("/usr", "/usr"), ("/etc", "/etc"), (DotnetRoot, DotnetInContainer)];

    /// <summary>The top-level entries that are symbolic links on a merged-/usr system (/bin → usr/bin and so on), or
    /// directories to bind when the host is not merged.</summary>
    public static IReadOnlyList<string> TopLevelSystemEntries => ["/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"];
}
