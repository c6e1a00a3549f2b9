using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MailMesh.Grains.Campaigns;
using MailMesh.Grains.Contacts;
using MailMesh.Grains.Engagement;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace MailMesh.Engagement.Bounces;

/// <summary>The authenticated webhook for provider bounce and complaint notifications: <c>POST /webhooks/bounces/{tenant}</c>
/// with the JSON shape documented in docs/bounces.md, signed with the tenant's secret
/// (<c>X-MailMesh-Timestamp</c>: unix seconds; <c>X-MailMesh-Signature: sha256=</c> hex HMAC-SHA256 of
/// <c>{timestamp}.{body}</c>). Answers 200 with counts, 400 naming what is wrong, 401 for a missing, stale or wrong
/// signature or a tenant without a secret, 413 for a body over the limit.</summary>
public static class BounceWebhook
{
    /// <summary>The route.</summary>
    public const string Route = "/webhooks/bounces/{tenant}";

    /// <summary>The signature header.</summary>
    public const string SignatureHeader = "X-MailMesh-Signature";

    /// <summary>The timestamp header.</summary>
    public const string TimestampHeader = "X-MailMesh-Timestamp";

    /// <summary>Most events in one request.</summary>
    public const int MaxEvents = 1000;

    /// <summary>Maps the webhook (needs <c>AddBounceProcessing</c> in <paramref name="services"/>, the container that
    /// holds bounce processing; default: the request's, which is right only when the endpoint is served by that same
    /// host — a listener with its own container, such as the tracking listener, must pass the silo's).</summary>
    public static IEndpointConventionBuilder MapBounceWebhook(this IEndpointRouteBuilder endpoints, IServiceProvider? services = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        return endpoints.MapPost(Route, (HttpContext context, string tenant) => HandleAsync(context, tenant, services ?? context.RequestServices));
    }

    /// <summary>The signature header value for <paramref name="body"/> sent at <paramref name="timestamp"/> with
    /// <paramref name="secret"/> (what a sender computes).</summary>
    public static string Sign(string secret, long timestamp, ReadOnlySpan<byte> body)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        var prefix = Encoding.ASCII.GetBytes(timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture) + ".");
        var data = new byte[prefix.Length + body.Length];
        prefix.CopyTo(data, 0);
        body.CopyTo(data.AsSpan(prefix.Length));
        return "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), data));
    }

    private static async Task<IResult> HandleAsync(HttpContext context, string tenant, IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<BounceOptions>>().Value;
        var time = services.GetService<TimeProvider>() ?? TimeProvider.System;
        var cancellationToken = context.RequestAborted;

        var body = await ReadBodyAsync(context.Request, options.WebhookMaxBodyBytes, cancellationToken).ConfigureAwait(false);
        if (body is null)
        {
            return Results.Json(new { error = $"the body is larger than {options.WebhookMaxBodyBytes} bytes" }, statusCode: StatusCodes.Status413PayloadTooLarge);
        }

        if (Authenticate(context.Request, tenant, body, options, time) is { } refusal)
        {
            return Results.Json(new { error = refusal }, statusCode: StatusCodes.Status401Unauthorized);
        }

        List<WebhookEvent> parsed;
        try
        {
            parsed = WebhookEvent.ParseBody(body);
        }
        catch (WebhookFormatException ex)
        {
            return Results.Json(new { error = ex.Message }, statusCode: StatusCodes.Status400BadRequest);
        }

        var processor = services.GetRequiredService<BounceProcessor>();
        int recorded = 0, duplicates = 0, suppressed = 0, reviewed = 0;
        foreach (var e in parsed)
        {
            var noticeId = $"webhook:{tenant}:{e.Id}";
            var record = await processor.FindSendAsync(e.SendIds(), cancellationToken).ConfigureAwait(false);
            if (record is not null && record.Tenant != tenant)
            {
                record = null; // another tenant's send: never touched through this tenant's webhook
            }

            var address = record?.ContactAddress ?? e.Recipient;
            if (address is null || !ContactAddress.Check(address).IsValid)
            {
                await processor.ReviewAsync(new BounceReviewItem(
                    0, tenant, "webhook", e.Id, "unmatched", BounceNames.Kind(e.Kind), BounceNames.Reason(e.Reason), e.Recipient, e.Status, e.Diagnostic, null, null,
                    time.GetUtcNow()), cancellationToken).ConfigureAwait(false);
                reviewed++;
                continue;
            }

            var notice = new BounceNotice(noticeId, e.Kind, e.Reason, record?.CampaignId, record?.SendId.ToString(), e.Status, e.Diagnostic, e.FeedbackType, "webhook", e.At ?? time.GetUtcNow());
            var outcome = await processor.RecordAsync(tenant, address, notice).ConfigureAwait(false);
            recorded++;
            duplicates += outcome.Duplicate ? 1 : 0;
            suppressed += outcome.Suppressed || outcome.Unsubscribed ? 1 : 0;
        }

        return Results.Json(new { received = parsed.Count, recorded, duplicates, suppressed, reviewed });
    }

    private static string? Authenticate(HttpRequest request, string tenant, byte[] body, BounceOptions options, TimeProvider time)
    {
        if (!options.WebhookSecrets.TryGetValue(tenant, out var secret) || string.IsNullOrEmpty(secret))
        {
            return "the signature does not verify";
        }

        var stamp = request.Headers[TimestampHeader].ToString();
        var signature = request.Headers[SignatureHeader].ToString();
        if (stamp.Length == 0 || signature.Length == 0)
        {
            return $"the {TimestampHeader} and {SignatureHeader} headers are required";
        }

        if (!long.TryParse(stamp, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var timestamp)
            || Math.Abs(time.GetUtcNow().ToUnixTimeSeconds() - timestamp) > options.WebhookTolerance.TotalSeconds)
        {
            return $"the {TimestampHeader} is not a unix time within {options.WebhookTolerance.TotalMinutes:0.#} minutes of the server's";
        }

        var expected = Encoding.ASCII.GetBytes(Sign(secret, timestamp, body));
        var given = Encoding.ASCII.GetBytes(signature.Trim());
        return CryptographicOperations.FixedTimeEquals(expected, given) ? null : "the signature does not verify";
    }

    private static async Task<byte[]?> ReadBodyAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit)
        {
            return null;
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}

/// <summary>The webhook body is not the documented shape; the message says what and where.</summary>
public sealed class WebhookFormatException(string message) : Exception(message);

/// <summary>One event of a webhook body.</summary>
internal sealed record WebhookEvent(
    string Id, BounceKind Kind, BounceReason Reason, string? Recipient, string? SendId, string? ReturnPath, string? MessageId, string? Status,
    string? Diagnostic, string? FeedbackType, DateTimeOffset? At)
{
    public IReadOnlyList<SendId> SendIds()
    {
        var ids = new List<SendId>();
        if (SendId is not null && MailMesh.Grains.Campaigns.SendId.TryParse(SendId, out var direct))
        {
            ids.Add(direct);
        }

        if (ReturnPath is not null && MailMesh.Campaigns.Composition.ReturnPath.TryParse(ReturnPath, out var verp) && !ids.Contains(verp))
        {
            ids.Add(verp);
        }

        if (BounceMatcher.MessageIdSendId(MessageId) is { } fromMessageId && !ids.Contains(fromMessageId))
        {
            ids.Add(fromMessageId);
        }

        return ids;
    }

    public static List<WebhookEvent> ParseBody(byte[] body)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException ex)
        {
            throw new WebhookFormatException($"the body is not JSON: {ex.Message}");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("events", out var events) || events.ValueKind != JsonValueKind.Array)
            {
                throw new WebhookFormatException("the body must be an object with an \"events\" array");
            }

            if (events.GetArrayLength() is 0 or > BounceWebhook.MaxEvents)
            {
                throw new WebhookFormatException($"\"events\" must hold 1 to {BounceWebhook.MaxEvents} events, not {events.GetArrayLength()}");
            }

            var list = new List<WebhookEvent>();
            var index = 0;
            foreach (var e in events.EnumerateArray())
            {
                list.Add(ParseEvent(e, $"events[{index++}]"));
            }

            return list;
        }
    }

    private static WebhookEvent ParseEvent(JsonElement e, string where)
    {
        if (e.ValueKind != JsonValueKind.Object)
        {
            throw new WebhookFormatException($"{where} must be an object");
        }

        var id = Required(e, "id", where);
        if (id.Length > 200)
        {
            throw new WebhookFormatException($"{where}.id is longer than 200 characters");
        }

        var type = Required(e, "type", where);
        var kind = type switch
        {
            "bounce" => Optional(e, "bounceType", where) switch
            {
                "hard" => BounceKind.HardBounce,
                "soft" or null => BounceKind.SoftBounce,
                var other => throw new WebhookFormatException($"{where}.bounceType must be \"hard\" or \"soft\", not \"{other}\""),
            },
            "complaint" => BounceKind.Complaint,
            _ => throw new WebhookFormatException($"{where}.type must be \"bounce\" or \"complaint\", not \"{type}\""),
        };
        var reasonText = Optional(e, "reason", where);
        var reason = BounceReason.Undefined;
        if (reasonText is not null && !BounceNames.TryParseReason(reasonText, out reason))
        {
            throw new WebhookFormatException($"{where}.reason \"{reasonText}\" is not a known reason (user_unknown, mailbox_full, blocked, ... see docs/bounces.md)");
        }

        if (kind == BounceKind.Complaint)
        {
            reason = BounceReason.Feedback;
        }
        else if (reason == BounceReason.Undefined)
        {
            reason = BounceReasons.FromText(Optional(e, "diagnostic", where));
            reason = reason == BounceReason.Undefined ? BounceReasons.FromStatus(Optional(e, "status", where)) : reason;
        }

        var recipient = Optional(e, "recipient", where);
        var sendId = Optional(e, "sendId", where);
        var returnPath = Optional(e, "returnPath", where);
        var messageId = Optional(e, "messageId", where);
        if (recipient is null && sendId is null && returnPath is null && messageId is null)
        {
            throw new WebhookFormatException($"{where} needs at least one of recipient, sendId, returnPath or messageId");
        }

        if (sendId is not null && !MailMesh.Grains.Campaigns.SendId.TryParse(sendId, out _))
        {
            throw new WebhookFormatException($"{where}.sendId \"{sendId}\" is not a send id (20 base32 characters)");
        }

        var status = Optional(e, "status", where);
        if (status is not null && !BounceReasons.TryParseStatus(status, out _, out _, out _))
        {
            throw new WebhookFormatException($"{where}.status \"{status}\" is not an enhanced status code such as 5.1.1");
        }

        DateTimeOffset? at = null;
        if (Optional(e, "timestamp", where) is { } stamp)
        {
            at = DateTimeOffset.TryParse(stamp, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var parsed)
                ? parsed
                : throw new WebhookFormatException($"{where}.timestamp \"{stamp}\" is not an ISO 8601 date and time");
        }

        var diagnostic = Optional(e, "diagnostic", where);
        return new WebhookEvent(
            id, kind, reason, recipient?.Trim(), sendId, returnPath, messageId, status, diagnostic is { Length: > 1000 } ? diagnostic[..1000] : diagnostic,
            kind == BounceKind.Complaint ? Optional(e, "feedbackType", where) ?? "abuse" : null, at);
    }

    private static string Required(JsonElement e, string name, string where) =>
        Optional(e, name, where) is { Length: > 0 } value ? value : throw new WebhookFormatException($"{where}.{name} is required (a non-empty string)");

    private static string? Optional(JsonElement e, string name, string where)
    {
        if (!e.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : throw new WebhookFormatException($"{where}.{name} must be a string, not {value.ValueKind.ToString().ToLowerInvariant()}");
    }
}
