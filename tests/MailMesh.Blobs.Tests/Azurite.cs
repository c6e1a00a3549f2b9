using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using MailMesh.Blobs.Azure;

namespace MailMesh.Blobs.Tests;

/// <summary>The Azurite blob emulator the test scripts start (MAILMESH_TEST_AZURITE_BLOB, default
/// http://127.0.0.1:10000/devstoreaccount1), with its well-known development account.</summary>
internal static class Azurite
{
    public const string Account = "devstoreaccount1";
    public const string Key = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    public static Uri Endpoint => new(Environment.GetEnvironmentVariable("MAILMESH_TEST_AZURITE_BLOB") is { Length: > 0 } url
        ? url
        : "http://127.0.0.1:10000/devstoreaccount1");

    public static AzureBlobOptions Options(string container) => new()
    {
        ServiceUri = Endpoint,
        AccountName = Account,
        AccountKey = Key,
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
