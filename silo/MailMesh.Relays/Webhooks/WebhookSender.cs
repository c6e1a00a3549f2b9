using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;
using MailMesh.Relays.Internal;
using MailMesh.Runtime.Storage;

namespace MailMesh.Relays.Webhooks;

/// <summary>What one POST came to.</summary>
/// <param name="Kind">Delivered, worth retrying, or given up.</param>
/// <param name="Reason">The HTTP status or error, for logs and dead letters.</param>
/// <param name="RetryAfter">The receiver's <c>Retry-After</c>, when it sent one.</param>
public readonly record struct WebhookAttempt(WebhookAttemptKind Kind, string Reason, TimeSpan? RetryAfter = null);

/// <summary>Outcome classes of a POST.</summary>
public enum WebhookAttemptKind
{
    /// <summary>2xx.</summary>
    Delivered,

    /// <summary>5xx, 408, 429, a timeout or a network error.</summary>
    Retry,

    /// <summary>Other 4xx, any redirect (never followed), or a refused target address.</summary>
    Permanent,
}

/// <summary>POSTs events to webhook targets. Connections go only to addresses the <see cref="SsrfGuard"/> allows,
/// checked after resolution at connect time; redirects are never followed; no proxy is used.</summary>
public sealed class WebhookSender : IDisposable
{
    private readonly HttpClient _client;
    private readonly TimeProvider _time;
    private readonly TimeSpan _timeout;

    /// <summary>Creates the sender.</summary>
    public WebhookSender(SsrfGuard guard, TimeSpan requestTimeout, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(guard);
        _time = time;
        _timeout = requestTimeout;
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            UseCookies = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            ConnectTimeout = requestTimeout,
            ConnectCallback = (context, cancellationToken) => ConnectAsync(guard, context.DnsEndPoint, cancellationToken),
        };
        _client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>The JSON body of <paramref name="record"/>: id, type, time, tenant, subject, sequence, data.</summary>
    public static byte[] Body(EventRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("id", record.EventId);
            json.WriteString("type", record.Type);
            json.WriteString("time", record.Time);
            json.WriteString("tenant", record.Tenant);
            json.WriteString("subject", record.Subject);
            json.WriteNumber("sequence", record.Sequence);
            json.WritePropertyName("data");
            json.WriteRawValue(string.IsNullOrWhiteSpace(record.PayloadJson) ? "{}" : record.PayloadJson);
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>Sends one attempt; never throws except for <paramref name="cancellationToken"/>.</summary>
    public async Task<WebhookAttempt> SendAsync(string url, byte[] secret, EventRecord record, byte[] body, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.UserAgent.ParseAdd("MailMesh-Webhooks/1");
        request.Headers.TryAddWithoutValidation(WebhookSignature.EventIdHeader, record.EventId.ToString());
        request.Headers.TryAddWithoutValidation(WebhookSignature.EventTypeHeader, record.Type);
        request.Headers.TryAddWithoutValidation(WebhookSignature.TimestampHeader, now.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation(WebhookSignature.Header, WebhookSignature.Sign(secret, now, body));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_timeout);
        var started = _time.GetTimestamp();
        WebhookAttempt attempt;
        try
        {
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            attempt = Classify(response, _time.GetUtcNow());
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            attempt = new WebhookAttempt(WebhookAttemptKind.Retry, $"no answer within {_timeout.TotalSeconds:0.###} s");
        }
        catch (HttpRequestException e) when (Find<WebhookTargetRefusedException>(e) is { } refused)
        {
            attempt = new WebhookAttempt(WebhookAttemptKind.Permanent, "target refused: " + refused.Message);
        }
        catch (HttpRequestException e)
        {
            attempt = new WebhookAttempt(WebhookAttemptKind.Retry, "network error: " + (Find<SocketException>(e)?.Message ?? e.Message));
        }

        RelayDiagnostics.RecordAttempt(attempt.Kind, _time.GetElapsedTime(started));
        return attempt;
    }

    internal static WebhookAttempt Classify(HttpResponseMessage response, DateTimeOffset now)
    {
        var code = (int)response.StatusCode;
        var reason = $"HTTP {code}";
        if (code is >= 200 and < 300)
        {
            return new WebhookAttempt(WebhookAttemptKind.Delivered, reason);
        }

        if (code is >= 300 and < 400)
        {
            return new WebhookAttempt(WebhookAttemptKind.Permanent, $"{reason}: redirects are not followed (to {response.Headers.Location?.ToString() ?? "nowhere"})");
        }

        if (code is >= 500 or 408 or 429)
        {
            var retryAfter = response.Headers.RetryAfter switch
            {
                { Delta: { } delta } => delta,
                { Date: { } date } => date > now ? date - now : TimeSpan.Zero,
                _ => (TimeSpan?)null,
            };
            return new WebhookAttempt(WebhookAttemptKind.Retry, reason, retryAfter);
        }

        return new WebhookAttempt(WebhookAttemptKind.Permanent, reason);
    }

    private static async ValueTask<Stream> ConnectAsync(SsrfGuard guard, DnsEndPoint endpoint, CancellationToken cancellationToken)
    {
        var addresses = await guard.ResolveAsync(endpoint.Host, cancellationToken).ConfigureAwait(false);
        SocketException? last = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, endpoint.Port), cancellationToken).ConfigureAwait(false);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException e)
            {
                socket.Dispose();
                last = e;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        throw last ?? new SocketException((int)SocketError.HostUnreachable);
    }

    private static T? Find<T>(Exception e)
        where T : Exception
    {
        for (Exception? current = e; current is not null; current = current.InnerException)
        {
            if (current is T found)
            {
                return found;
            }
        }

        return null;
    }

    /// <inheritdoc />
    public void Dispose() => _client.Dispose();
}
