using System.Globalization;
using System.Text.RegularExpressions;
using MailMesh.Deploy.Tests.Infrastructure;
using MailMesh.Testing;
using MailMesh.Silo.Hosting;
using Microsoft.Extensions.Configuration;

namespace MailMesh.Deploy.Tests;

/// <summary>The Dockerfile, parsed, against the silo it packages and the pod that runs it (k8s/overlays/embedded read from
/// its files, so these run where kubectl is missing). DockerImageTests executes it.</summary>
public sealed partial class DockerfileTests
{
    private static readonly Dockerfile s_dockerfile = Dockerfile.Load();

    [Fact]
    public void Stages_OfTheDockerfile_BuildOnTheSdkImageAndRunOnTheRuntimeImageOfTheSilosDotnet()
    {
        Assert.True(s_dockerfile.Stages.Count >= 2, "the Dockerfile has one stage: the SDK would ship in the image");
        var final = BaseImageStandIn.For(s_dockerfile.Final.BaseImage);
        Assert.False(final.IsSdk, $"the final stage ({s_dockerfile.Final}) runs on an SDK image; use mcr.microsoft.com/dotnet/aspnet");
        var build = BaseImageStandIn.For(BuildStage.BaseImage);
        Assert.True(build.IsSdk, $"the stage that publishes ({BuildStage}) is not on an SDK image");

        var silo = typeof(SiloHost).Assembly.GetCustomAttributes(typeof(System.Runtime.Versioning.TargetFrameworkAttribute), false)
            .Cast<System.Runtime.Versioning.TargetFrameworkAttribute>().Single().FrameworkName;
        var major = Version.Parse(silo.Split("Version=v")[1]).Major;
        Assert.Equal(major, final.DotnetMajorVersion);
        Assert.Equal(major, build.DotnetMajorVersion);
    }

    [Fact]
    public void Publish_InTheBuildStage_IsTheSiloWithoutAnAppHostIntoTheDirectoryTheFinalStageCopies()
    {
        var publish = PublishCommand();
        Assert.Contains("silo/MailMesh.Silo/MailMesh.Silo.csproj", publish.Command, StringComparison.Ordinal);
        Assert.Contains("-c Release", publish.Command, StringComparison.Ordinal);
        // ENTRYPOINT runs the dll with dotnet; an apphost would be dead weight.
        Assert.Contains("/p:UseAppHost=false", publish.Command, StringComparison.Ordinal);
        var output = PublishOutput().Match(publish.Command) is { Success: true } m ? m.Groups[1].Value
            : throw new InvalidOperationException($"line {publish.Line}: dotnet publish has no -o/--output");

        var copies = s_dockerfile.Final.Instructions.OfType<DockerCopy>().Where(c => c.From is not null).ToList();
        var copy = Assert.Single(copies);
        Assert.Equal(BuildStage.Name, copy.From);
        Assert.Equal(new[] { output }, copy.Sources);
        Assert.Equal((0, 0), copy.Owner);
    }

    [Fact]
    public void Entrypoint_OfTheImage_RunsThePublishedSiloAssemblyWithDotnet()
    {
        var entrypoint = s_dockerfile.Final.Entrypoint ?? throw new InvalidOperationException("the final stage has no ENTRYPOINT");
        var copy = s_dockerfile.Final.Instructions.OfType<DockerCopy>().Single(c => c.From is not null);
        var appDirectory = copy.Destination.StartsWith('/') ? copy.Destination.TrimEnd('/') : s_dockerfile.Final.Workdir;

        Assert.Equal(new[] { "dotnet", $"{appDirectory}/{typeof(SiloHost).Assembly.GetName().Name}.dll" }, entrypoint.Arguments);
    }

    [Fact]
    public void User_OfTheImage_IsNumericAndNotRoot()
    {
        var user = s_dockerfile.Final.User ?? throw new InvalidOperationException("the final stage has no USER: the silo would run as root");

        // Numeric, so that runAsNonRoot can verify it without the image's /etc/passwd.
        Assert.True(user.Uid is not null && user.Gid is not null, $"USER {user.User}:{user.Group} is not numeric uid:gid");
        Assert.NotEqual(0, user.Uid);
        Assert.NotEqual(0, user.Gid);
    }

    [SkippableFact]
    public async Task User_OfTheImage_IsTheUserAndGroupTheEmbeddedPodRunsAs()
    {
        var pod = await EmbeddedPod.LoadAsync();
        var user = s_dockerfile.Final.User!;

        Assert.Equal(user.Uid, (int?)pod.Pod["securityContext"]?["runAsUser"]);
        Assert.Equal(user.Gid, (int?)pod.Pod["securityContext"]?["runAsGroup"]);
    }

    [Fact]
    public void Environment_OfTheImage_SetsOnlyWhatTheSiloReads()
    {
        var problems = s_dockerfile.Final.Environment.Select(e => SiloSettings.Check(e.Key)).OfType<string>().ToList();

        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Fact]
    public void ExposedPorts_OfTheImage_AreTheSilosListenersOnAllInterfacesWithTheImagesEnvironmentAlone()
    {
        // `docker run -p` with no other settings: appsettings.json, then the image's ENV.
        var listeners = Listeners(s_dockerfile.Final.Environment);

        Assert.Equal(listeners.Select(l => l.Port).Order(), s_dockerfile.Final.ExposedPorts.Select(p => p.Port).Order());
        Assert.All(s_dockerfile.Final.ExposedPorts, p => Assert.Equal("tcp", p.Protocol));
        var loopback = listeners.Where(l => !ListensOnAllInterfaces(l.Url)).ToList();
        Assert.True(loopback.Count == 0,
            "with the image's ENV alone these listeners bind loopback only, so a published port reaches nothing: " +
            string.Join(", ", loopback.Select(l => $"{l.Setting} = {l.Url}")));
    }

    [SkippableFact]
    public async Task ExposedPorts_OfTheImage_AreTheEmbeddedPodsContainerPortsAndListeners()
    {
        var pod = await EmbeddedPod.LoadAsync();
        var exposed = s_dockerfile.Final.ExposedPorts.Select(p => p.Port).Order().ToList();

        Assert.Equal(exposed, pod.ContainerPorts.Select(p => (int)p["containerPort"]!).Order());
        var listeners = Listeners([.. s_dockerfile.Final.Environment, .. EmbeddedPod.ResolveEnvironment(pod)]);
        Assert.Equal(exposed, listeners.Select(l => l.Port).Order());
        Assert.All(listeners, l => Assert.True(ListensOnAllInterfaces(l.Url), $"{pod}: {l.Setting} = {l.Url} is not on all interfaces"));
    }

    [SkippableFact]
    public async Task Volumes_OfTheImage_AreTheWritableMountsOfTheEmbeddedPodAndHoldTheDataDirectory()
    {
        var pod = await EmbeddedPod.LoadAsync();
        var writable = pod.Container["volumeMounts"]!.AsArray()
            .Where(m => (bool?)m!["readOnly"] != true)
            .Select(m => (string)m!["mountPath"]!)
            .Order(StringComparer.Ordinal);

        Assert.Equal(writable, s_dockerfile.Final.Volumes.Order(StringComparer.Ordinal));
        var dataDirectory = s_dockerfile.Final.Environment.LastOrDefault(e => e.Key == "MAILMESH__SILO__DATADIRECTORY").Value;
        Assert.Contains(dataDirectory, s_dockerfile.Final.Volumes);
    }

    [Fact]
    public void Parse_ContinuedLinesWithCommentsAndFlags_GivesOneInstructionEach()
    {
        var parsed = Dockerfile.Parse("""
            # syntax=docker/dockerfile:1
            FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
            RUN --mount=type=cache,id=nuget,target=/root/.nuget/packages \
            # a comment inside the instruction
                dotnet publish a.csproj \
                  -o /app
            FROM mcr.microsoft.com/dotnet/aspnet:10.0
            COPY --from=build --chown=root:root /app ./
            ENV A=1 \
                B="two words"
            USER 1654:1654
            ENTRYPOINT ["dotnet", "/app/a.dll"]
            """);

        Assert.Equal(2, parsed.Stages.Count);
        var run = Assert.IsType<DockerRun>(Assert.Single(parsed.Stage("build").Instructions));
        Assert.Equal("dotnet publish a.csproj       -o /app", run.Command);
        Assert.Equal(new DockerCacheMount("nuget", "/root/.nuget/packages"), Assert.Single(run.Mounts));
        Assert.Equal(new[] { KeyValuePair.Create("A", "1"), KeyValuePair.Create("B", "two words") }, parsed.Final.Environment);
        Assert.Equal(1654, parsed.Final.User!.Uid);
        Assert.Equal(new[] { "dotnet", "/app/a.dll" }, parsed.Final.Entrypoint!.Arguments);
    }

    [Theory]
    [InlineData("FROM x\nCMD [\"a\"]", "line 2: instruction CMD is not implemented")]
    [InlineData("FROM x\nENTRYPOINT dotnet a.dll", "line 2: ENTRYPOINT in shell form")]
    [InlineData("FROM x\nENV A=$B", "line 2: ENV uses $-replacement")]
    [InlineData("FROM x\nRUN --mount=type=secret,id=a true", "line 2: --mount=type=secret,id=a")]
    [InlineData("WORKDIR /a", "line 1: WORKDIR before the first FROM")]
    public void Parse_WhatTheParserDoesNotImplement_FailsNamingTheLine(string text, string expected)
    {
        var error = Assert.Throws<FormatException>(() => Dockerfile.Parse(text));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    private static DockerStage BuildStage =>
        s_dockerfile.Stage(s_dockerfile.Final.Instructions.OfType<DockerCopy>().FirstOrDefault(c => c.From is not null)?.From
            ?? throw new InvalidOperationException("the final stage copies nothing from a build stage"));

    private static DockerRun PublishCommand() =>
        BuildStage.Instructions.OfType<DockerRun>().SingleOrDefault(r => r.Command.Contains("dotnet publish", StringComparison.Ordinal))
        ?? throw new InvalidOperationException($"{BuildStage} has no RUN dotnet publish");

    /// <summary>The silo's listeners (Kestrel endpoints and the tracking listener) with appsettings.json and then
    /// <paramref name="environment"/>, read the way the silo reads them (MAILMESH__ variables).</summary>
    private static List<(string Setting, string Url, int Port)> Listeners(IEnumerable<KeyValuePair<string, string>> environment)
    {
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in environment.Where(e => e.Key.StartsWith(SiloHost.EnvironmentPrefix, StringComparison.Ordinal)))
        {
            // A later definition wins, as in the container's environment.
            settings[name[SiloHost.EnvironmentPrefix.Length..].Replace("__", ":", StringComparison.Ordinal)] = value;
        }

        var configuration = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(Repository.Root, "silo", "MailMesh.Silo", "appsettings.json"))
            .AddInMemoryCollection(settings)
            .Build();
        var listeners = configuration.GetSection("Kestrel:Endpoints").GetChildren()
            .Select(e => ($"Kestrel:Endpoints:{e.Key}:Url", e["Url"] ?? ""))
            .ToList();
        if (configuration.GetValue("Tracking:Enabled", true))
        {
            listeners.Add(("Tracking:Listen", configuration["Tracking:Listen"] ?? new MailMesh.Engagement.Tracking.TrackingListenerOptions().Listen));
        }

        return [.. listeners.Select(l => (l.Item1, l.Item2, UrlPort().Match(l.Item2) is { Success: true } m ? int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : -1))];
    }

    private static bool ListensOnAllInterfaces(string url) => AllInterfaces().IsMatch(url);

    [GeneratedRegex(@"(?:^|\s)(?:-o|--output)[ =](\S+)")]
    private static partial Regex PublishOutput();

    [GeneratedRegex(@":(\d+)/?$")]
    private static partial Regex UrlPort();

    [GeneratedRegex(@"^https?://(0\.0\.0\.0|\[::\]|\*|\+):\d+/?$")]
    private static partial Regex AllInterfaces();
}
