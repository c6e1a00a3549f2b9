using System.Net;
using System.Net.Http.Headers;
using System.Text;
using MailMesh.Testing;
using MailMesh.SmokeTests.Support;

namespace MailMesh.SmokeTests;

public sealed class AzuriteTests
{
    [ServerFact(Server.Azurite)]
    public async Task PutAndGetBlob_WithSharedKey_RoundTripsTheContent()
    {
        var ct = TestContext.Timeout();
        var azurite = TestServers.Azurite;
        using var http = new HttpClient { Timeout = TestContext.DefaultTimeout };
        var container = "smoke-" + Guid.NewGuid().ToString("N")[..12];
        var payload = Encoding.UTF8.GetBytes("blob smoke test " + Guid.NewGuid());

        using (var create = await SendAsync(http, HttpMethod.Put, $"{container}?restype=container", null, ct))
        {
            Assert.Equal(HttpStatusCode.Created, create.StatusCode);
        }

        try
        {
            var content = new ByteArrayContent(payload);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            using (var put = await SendAsync(http, HttpMethod.Put, $"{container}/dir/message.eml", content, ct, ("x-ms-blob-type", "BlockBlob")))
            {
                Assert.Equal(HttpStatusCode.Created, put.StatusCode);
            }

            using var get = await SendAsync(http, HttpMethod.Get, $"{container}/dir/message.eml", null, ct);
            Assert.Equal(HttpStatusCode.OK, get.StatusCode);
            Assert.Equal(payload, await get.Content.ReadAsByteArrayAsync(ct));
        }
        finally
        {
            using var delete = await SendAsync(http, HttpMethod.Delete, $"{container}?restype=container", null, ct);
            Assert.Equal(HttpStatusCode.Accepted, delete.StatusCode);
        }
    }

    [ServerFact(Server.Azurite)]
    public async Task ListContainers_WithWrongKey_IsForbidden()
    {
        var azurite = TestServers.Azurite;
        using var http = new HttpClient { Timeout = TestContext.DefaultTimeout };
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(azurite.BlobEndpoint + "/?comp=list"));
        BlobSharedKey.Sign(request, azurite.AccountName, Convert.ToBase64String(new byte[64]), DateTimeOffset.UtcNow);

        using var response = await http.SendAsync(request, TestContext.Timeout());

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    private static async Task<HttpResponseMessage> SendAsync(
        HttpClient http, HttpMethod method, string pathAndQuery, HttpContent? content, CancellationToken ct, params (string Name, string Value)[] headers)
    {
        var azurite = TestServers.Azurite;
        using var request = new HttpRequestMessage(method, new Uri(azurite.BlobEndpoint.ToString().TrimEnd('/') + "/" + pathAndQuery)) { Content = content };
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        BlobSharedKey.Sign(request, azurite.AccountName, azurite.AccountKey, DateTimeOffset.UtcNow);
        var response = await http.SendAsync(request, ct);
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(ct);
            response.Dispose();
            Assert.Fail($"{method} {request.RequestUri} answered {(int)response.StatusCode}: {body}");
        }

        return response;
    }
}
