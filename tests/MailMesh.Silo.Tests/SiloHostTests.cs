using System.Net;
using MailMesh.Silo.Hosting;
using MailMesh.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace MailMesh.Silo.Tests;

public sealed class SiloHostTests
{
    [Fact]
    public async Task Start_Defaults_ServesLiveAndReadyProbes()
    {
        await using var silo = await TestSilo.StartAsync();
        using var http = new HttpClient { BaseAddress = silo.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };

        var live = await http.GetAsync(new Uri("/healthz/live", UriKind.Relative));
        var ready = await http.GetAsync(new Uri("/healthz/ready", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Contains("event log at sequence", await ready.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(silo.DataDirectory, "mailmesh.db")), "the embedded store lives under the data directory");
    }

    [Fact]
    public async Task Start_TrackingListener_ServesOnItsOwnUrlAndNotTheHostsEndpoints()
    {
        var dataDirectory = TestSilo.NewDataDirectory();
        var (http, grpc, tracking) = (Loopback.FreeHttpUrl(), Loopback.FreeHttpUrl(), Loopback.FreeHttpUrl());
        await using var app = await TestSilo.BuildAndStartAsync(
            "--Kestrel:Endpoints:Http:Url", http, "--Kestrel:Endpoints:Grpc:Url", grpc, "--Silo:DataDirectory", dataDirectory,
            "--Tracking:Listen", tracking);
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };

        // A token that is not one: the tracking endpoints answer 400, the health endpoint is not served there.
        var pixel = await client.GetAsync(new Uri(new Uri(tracking), "/o/not-a-token.gif"));
        var health = await client.GetAsync(new Uri(new Uri(tracking), "/healthz/live"));
        var probe = await client.GetAsync(new Uri(new Uri(http), "/healthz/live"));

        Assert.Equal(HttpStatusCode.BadRequest, pixel.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, health.StatusCode);
        Assert.Equal(HttpStatusCode.OK, probe.StatusCode);
        await app.StopAsync();
    }

    [Fact]
    public async Task Start_DataDirectoryIsAFile_FailsSayingWhichVariableToSet()
    {
        var file = Path.GetTempFileName();

        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => TestSilo.BuildAndStartAsync("--Silo:DataDirectory", file));

        Assert.Contains("MAILMESH__SILO__DATADIRECTORY", e.Message, StringComparison.Ordinal);
        Assert.Contains(file, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_NegativeCallTimeout_FailsNamingTheSetting()
    {
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            TestSilo.BuildAndStartAsync("--Silo:DataDirectory", TestSilo.NewDataDirectory(), "--Runtime:CallTimeout", "-00:00:01"));

        Assert.Contains("CallTimeout", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_UnknownBlobProvider_FailsListingTheChoices()
    {
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            TestSilo.BuildAndStartAsync("--Silo:DataDirectory", TestSilo.NewDataDirectory(), "--Blobs:Provider", "Floppy"));

        Assert.Contains("'Local' or 'Azure'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_MailMeshEnvironmentVariable_OverridesAppSettings()
    {
        var directory = TestSilo.NewDataDirectory();
        Environment.SetEnvironmentVariable("MAILMESH__SILO__SHUTDOWNTIMEOUT", "00:00:07");
        try
        {
            var app = SiloHost.Build(["--Silo:DataDirectory", directory]);
            var options = app.Services.GetRequiredService<IOptions<SiloOptions>>().Value;

            Assert.Equal(TimeSpan.FromSeconds(7), options.ShutdownTimeout);
            Assert.Equal(directory, options.DataDirectory);
        }
        finally
        {
            Environment.SetEnvironmentVariable("MAILMESH__SILO__SHUTDOWNTIMEOUT", null);
        }
    }
}
