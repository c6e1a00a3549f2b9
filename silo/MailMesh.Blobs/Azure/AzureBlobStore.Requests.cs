using System.Globalization;
using System.Net;
using System.Xml.Linq;

namespace MailMesh.Blobs.Azure;

public sealed partial class AzureBlobStore
{
    /// <summary>Sends a request built afresh for each attempt, retrying transient failures with exponential
    /// backoff. Every operation here is idempotent (a PUT replaces the whole blob or block).</summary>
    private async Task<HttpResponseMessage> SendAsync(
        Func<HttpRequestMessage> build,
        string operation,
        string name,
        CancellationToken cancellationToken,
        HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var request = build();
            request.Headers.TryAddWithoutValidation("x-ms-date", DateTimeOffset.UtcNow.ToString("R", CultureInfo.InvariantCulture));
            request.Headers.TryAddWithoutValidation("x-ms-version", ApiVersion);
            request.Headers.TryAddWithoutValidation("x-ms-client-request-id", Guid.NewGuid().ToString());
            _signer?.Sign(request);
            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(request, completion, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException) when (attempt < _options.MaxAttempts)
            {
                await BackoffAsync(attempt, cancellationToken).ConfigureAwait(false);
                continue;
            }
            catch (HttpRequestException e)
            {
                throw new BlobStoreException($"Azure blob store: {operation} '{name}' failed after {attempt} attempts: {e.Message}", isTransient: true, inner: e);
            }

            if (IsTransient(response.StatusCode) && attempt < _options.MaxAttempts)
            {
                response.Dispose();
                await BackoffAsync(attempt, cancellationToken).ConfigureAwait(false);
                continue;
            }

            return response;
        }
    }

    private static bool IsTransient(HttpStatusCode status) =>
        status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)status >= 500;

    private static Task BackoffAsync(int attempt, CancellationToken cancellationToken) =>
        Task.Delay(TimeSpan.FromMilliseconds(100 * Math.Pow(4, attempt - 1) * (0.8 + (Random.Shared.NextDouble() * 0.4))), cancellationToken);

    private static async Task<BlobStoreException> ErrorAsync(HttpResponseMessage response, string operation, string name, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        string? code = response.Headers.TryGetValues("x-ms-error-code", out var codes) ? codes.First() : null;
        var message = response.ReasonPhrase ?? "";
        try
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            if (body.Length > 0)
            {
                var error = XDocument.Parse(body).Root;
                code = error?.Element("Code")?.Value ?? code;
                message = error?.Element("Message")?.Value.Split('\n')[0] ?? message;
            }
        }
        catch (System.Xml.XmlException)
        {
            // Not an Azure error document: keep the status line.
        }

        return new BlobStoreException(
            $"Azure blob store: {operation} '{name}' failed with HTTP {status} {code}: {message}",
            IsTransient(response.StatusCode), status, code);
    }
}
