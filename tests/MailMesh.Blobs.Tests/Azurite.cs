using System.Globalization;
using MailMesh.Blobs.Azure;
using MailMesh.Testing;

namespace MailMesh.Blobs.Tests;

/// <summary>The Azurite blob emulator the test scripts start (see <see cref="TestServers.Azurite"/>).</summary>
internal static class Azurite
{
    public static Uri Endpoint => TestServers.Azurite.BlobEndpoint;

    /// <summary>Skips the calling test when Azurite is not running, or fails it when test servers are required.</summary>
    public static void Require() => TestServers.Require(Server.Azurite);

    public static AzureBlobOptions Options(string container) => new()
    {
        ServiceUri = Endpoint,
        AccountName = TestServers.Azurite.AccountName,
        AccountKey = TestServers.Azurite.AccountKey,
        Container = container,
        BlockSize = 64 * 1024,
        MaxAttempts = 2,
    };

    public static HttpClient Http() => new() { Timeout = TimeSpan.FromSeconds(30) };

    public static AzureBlobStore CreateStore(AzureBlobOptions options) => new(Http(), options);

    public static async Task EnsureContainerAsync(AzureBlobStore store)
    {
        try
        {
            await store.EnsureContainerAsync();
        }
        catch (BlobStoreException e) when (e.InnerException is HttpRequestException)
        {
            throw new InvalidOperationException(
                $"Azurite is not reachable at {Endpoint}: start the test servers with scripts/test-servers.sh up " +
                "or set MAILMESH_TEST_AZURITE_BLOB.", e);
        }
    }

    /// <summary>Overwrites the stored whole-blob MD5 with Set Blob Properties, signed with the account key.</summary>
    public static async Task SetBlobMd5Async(AzureBlobOptions options, string name, byte[] md5)
    {
        using var http = Http();
        var uri = new Uri($"{options.ServiceUri!.ToString().TrimEnd('/')}/{options.Container}/{name}?comp=properties");
        using var request = new HttpRequestMessage(HttpMethod.Put, uri) { Content = new ByteArrayContent([]) };
        request.Headers.TryAddWithoutValidation("x-ms-date", DateTimeOffset.UtcNow.ToString("R", CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation("x-ms-version", AzureBlobStore.ApiVersion);
        request.Headers.TryAddWithoutValidation("x-ms-blob-content-md5", Convert.ToBase64String(md5));
        new SharedKeySigner(options.AccountName, options.AccountKey!).Sign(request);
        using var response = await http.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, $"Set Blob Properties answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

}
