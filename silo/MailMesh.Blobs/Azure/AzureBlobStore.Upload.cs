using System.Buffers;
using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace MailMesh.Blobs.Azure;

public sealed partial class AzureBlobStore
{
    private async Task<BlobProperties> PutCoreAsync(string name, Stream content, string? contentType, CancellationToken cancellationToken)
    {
        BlobName.Validate(name);
        ArgumentNullException.ThrowIfNull(content);
        if (!_containerReady)
        {
            // Once per store: a fresh account or emulator has no container yet.
            await EnsureContainerAsync(cancellationToken).ConfigureAwait(false);
            _containerReady = true;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(_options.BlockSize);
        try
        {
            using var whole = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
            var first = await FillAsync(content, buffer, cancellationToken).ConfigureAwait(false);
            whole.AppendData(buffer, 0, first);
            if (first < _options.BlockSize)
            {
                var md5 = whole.GetHashAndReset();
                using var response = await SendAsync(
                    () => PutRequest(BlobUri(name), buffer, first, md5, contentType, extraQuery: "", blockBlob: true),
                    "write", name, cancellationToken).ConfigureAwait(false);
                return await CreatedAsync(response, name, first, md5, contentType, cancellationToken).ConfigureAwait(false);
            }

            return await PutBlocksAsync(name, content, buffer, first, whole, contentType, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task<BlobProperties> PutBlocksAsync(
        string name, Stream content, byte[] buffer, int filled, IncrementalHash whole, string? contentType, CancellationToken cancellationToken)
    {
        var blockIds = new List<string>();
        long total = 0;
        while (filled > 0)
        {
            var blockId = Convert.ToBase64String(Encoding.ASCII.GetBytes($"block-{blockIds.Count:D8}"));
            var blockMd5 = MD5.HashData(buffer.AsSpan(0, filled));
            var query = $"comp=block&blockid={Uri.EscapeDataString(blockId)}";
            var length = filled;
            using (var response = await SendAsync(
                       () => PutRequest(BlobUri(name), buffer, length, blockMd5, contentType: null, query, blockBlob: false),
                       "write a block of", name, cancellationToken).ConfigureAwait(false))
            {
                if (response.StatusCode != HttpStatusCode.Created)
                {
                    throw await ErrorAsync(response, "write a block of", name, cancellationToken).ConfigureAwait(false);
                }
            }

            blockIds.Add(blockId);
            total += filled;
            filled = await FillAsync(content, buffer, cancellationToken).ConfigureAwait(false);
            whole.AppendData(buffer, 0, filled);
        }

        var md5 = whole.GetHashAndReset();
        var list = new StringBuilder("<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList>");
        foreach (var id in blockIds)
        {
            list.Append("<Latest>").Append(id).Append("</Latest>");
        }

        var body = Encoding.UTF8.GetBytes(list.Append("</BlockList>").ToString());
        using var commit = await SendAsync(
            () =>
            {
                var request = PutRequest(BlobUri(name), body, body.Length, MD5.HashData(body), contentType: null, "comp=blocklist", blockBlob: false);
                request.Headers.TryAddWithoutValidation("x-ms-blob-content-md5", Convert.ToBase64String(md5));
                if (contentType is not null)
                {
                    request.Headers.TryAddWithoutValidation("x-ms-blob-content-type", contentType);
                }

                return request;
            },
            "commit the blocks of", name, cancellationToken).ConfigureAwait(false);
        return await CreatedAsync(commit, name, total, md5, contentType, cancellationToken).ConfigureAwait(false);
    }

    private HttpRequestMessage PutRequest(Uri blob, byte[] buffer, int length, byte[] md5, string? contentType, string extraQuery, bool blockBlob)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, Url(blob, extraQuery))
        {
            Content = new ByteArrayContent(buffer, 0, length),
        };
        request.Content.Headers.ContentMD5 = md5;
        request.Content.Headers.ContentLength = length;
        if (contentType is not null)
        {
            request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }

        if (blockBlob)
        {
            request.Headers.TryAddWithoutValidation("x-ms-blob-type", "BlockBlob");
        }

        return request;
    }

    private async Task<BlobProperties> CreatedAsync(
        HttpResponseMessage response, string name, long length, byte[] md5, string? contentType, CancellationToken cancellationToken)
    {
        if (response.StatusCode != HttpStatusCode.Created)
        {
            throw await ErrorAsync(response, "write", name, cancellationToken).ConfigureAwait(false);
        }

        var modified = response.Content.Headers.LastModified ?? DateTimeOffset.UtcNow;
        return new BlobProperties(name, length, md5, response.Headers.ETag?.Tag ?? "", modified, contentType);
    }

    private static async Task<int> FillAsync(Stream content, byte[] buffer, CancellationToken cancellationToken)
    {
        var filled = 0;
        int n;
        while (filled < buffer.Length && (n = await content.ReadAsync(buffer.AsMemory(filled), cancellationToken).ConfigureAwait(false)) > 0)
        {
            filled += n;
        }

        return filled;
    }
}
