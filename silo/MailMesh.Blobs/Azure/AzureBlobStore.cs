using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using MailMesh.Blobs.Internal;

namespace MailMesh.Blobs.Azure;

/// <summary>Blobs in an Azure Blob Storage container (or Azurite), through the REST API: SharedKey or SAS
/// authorization, MD5 on every upload, whole-blob MD5 verified on download, ranged reads, listing by prefix,
/// retries with backoff for transient failures.</summary>
public sealed partial class AzureBlobStore : IBlobStore
{
    /// <summary>The REST API version spoken.</summary>
    public const string ApiVersion = "2021-08-06";

    private readonly HttpClient _http;
    private readonly AzureBlobOptions _options;
    private readonly SharedKeySigner? _signer;
    private readonly string _sas;
    private readonly Uri _containerUri;
    private volatile bool _containerReady;

    /// <summary>Creates the store. The <paramref name="http"/> client is not disposed by the store.</summary>
    /// <exception cref="ArgumentException">The options are incomplete; the message says which.</exception>
    public AzureBlobStore(HttpClient http, AzureBlobOptions options)
    {
        var problem = options.Validate();
        if (problem is not null)
        {
            throw new ArgumentException($"Azure blob store options: {problem}.", nameof(options));
        }

        _http = http;
        _options = options;
        _signer = options.AccountKey is { Length: > 0 } key ? new SharedKeySigner(options.AccountName, key) : null;
        _sas = options.SasToken?.TrimStart('?') ?? "";
        _containerUri = new Uri(options.ServiceUri!.ToString().TrimEnd('/') + "/" + options.Container);
    }

    /// <summary>Creates the container when it does not exist.</summary>
    public async Task EnsureContainerAsync(CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(
            () => new HttpRequestMessage(HttpMethod.Put, Url(_containerUri, "restype=container")),
            "create container", _options.Container, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode is not (HttpStatusCode.Created or HttpStatusCode.Conflict))
        {
            throw await ErrorAsync(response, "create container", _options.Container, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<BlobDownload?> OpenReadCoreAsync(string name, BlobRange? range, CancellationToken cancellationToken)
    {
        BlobName.Validate(name);
        range?.Validate();
        var response = await SendAsync(
            () =>
            {
                var request = new HttpRequestMessage(HttpMethod.Get, Url(BlobUri(name)));
                if (range is { } r)
                {
                    var end = r.Length is { } length ? (r.Offset + length - 1).ToString(CultureInfo.InvariantCulture) : "";
                    request.Headers.TryAddWithoutValidation("x-ms-range", $"bytes={r.Offset}-{end}");
                }

                return request;
            },
            "read", name, cancellationToken, HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            response.Dispose();
            return null;
        }

        if (response.StatusCode is not (HttpStatusCode.OK or HttpStatusCode.PartialContent))
        {
            using (response)
            {
                throw await ErrorAsync(response, "read", name, cancellationToken).ConfigureAwait(false);
            }
        }

        var properties = Properties(name, response);
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        var contentLength = response.Content.Headers.ContentLength ?? properties.Length;
        if (range is null)
        {
            Stream content = properties.ContentMd5.Length == 16 ? new Md5VerifyingStream(stream, name, properties.ContentMd5) : stream;
            return new BlobDownload(properties, new ResponseOwningStream(content, response), 0, contentLength);
        }

        return new BlobDownload(properties, new ResponseOwningStream(stream, response), range.Value.Offset, contentLength);
    }

    private async Task<BlobProperties?> GetPropertiesCoreAsync(string name, CancellationToken cancellationToken)
    {
        BlobName.Validate(name);
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Head, Url(BlobUri(name))), "get properties of", name, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw await ErrorAsync(response, "get properties of", name, cancellationToken).ConfigureAwait(false);
        }

        return Properties(name, response);
    }

    private async Task<bool> DeleteCoreAsync(string name, CancellationToken cancellationToken)
    {
        BlobName.Validate(name);
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Delete, Url(BlobUri(name))), "delete", name, cancellationToken).ConfigureAwait(false);
        return response.StatusCode switch
        {
            HttpStatusCode.Accepted or HttpStatusCode.OK => true,
            HttpStatusCode.NotFound => false,
            _ => throw await ErrorAsync(response, "delete", name, cancellationToken).ConfigureAwait(false),
        };
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<BlobProperties> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        BlobName.ValidatePrefix(prefix);
        string? marker = null;
        do
        {
            var query = $"restype=container&comp=list&maxresults=5000&prefix={Uri.EscapeDataString(prefix)}" +
                        (marker is null ? "" : $"&marker={Uri.EscapeDataString(marker)}");
            using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, Url(_containerUri, query)), "list", prefix, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw await ErrorAsync(response, "list", prefix, cancellationToken).ConfigureAwait(false);
            }

            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            var page = await BlobListParser.ParseAsync(body, cancellationToken).ConfigureAwait(false);
            foreach (var item in page.Items)
            {
                yield return item;
            }

            marker = page.NextMarker;
        }
        while (!string.IsNullOrEmpty(marker));
    }

    private Uri BlobUri(string name) =>
        new(_containerUri + "/" + string.Join('/', name.Split('/').Select(Uri.EscapeDataString)));

    private Uri Url(Uri resource, string query = "")
    {
        var all = string.Join('&', new[] { query, _sas }.Where(q => q.Length > 0));
        return all.Length == 0 ? resource : new Uri(resource + "?" + all);
    }

    private static BlobProperties Properties(string name, HttpResponseMessage response)
    {
        var headers = response.Headers;
        var content = response.Content.Headers;
        var length = content.ContentRange?.Length ?? content.ContentLength ?? 0;
        // On a ranged read Content-MD5 is the range's; the whole blob's is in x-ms-blob-content-md5.
        var md5 = headers.TryGetValues("x-ms-blob-content-md5", out var blobMd5) ? Convert.FromBase64String(blobMd5.First())
            : response.StatusCode != HttpStatusCode.PartialContent && content.ContentMD5 is { } m ? m
            : [];
        var etag = headers.ETag?.Tag ?? "";
        var modified = content.LastModified ?? DateTimeOffset.MinValue;
        return new BlobProperties(name, length, md5, etag, modified, content.ContentType?.ToString());
    }

    /// <summary>Keeps the HTTP response alive while its body is read, and disposes both together.</summary>
    private sealed class ResponseOwningStream(Stream inner, HttpResponseMessage response) : ForwardReadStream(inner)
    {
        public override int Read(Span<byte> buffer) => Inner.Read(buffer);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => Inner.ReadAsync(buffer, cancellationToken);

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                response.Dispose();
            }

            base.Dispose(disposing);
        }

        public override async ValueTask DisposeAsync()
        {
            await base.DisposeAsync().ConfigureAwait(false);
            response.Dispose();
        }
    }
}
