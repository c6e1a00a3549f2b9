using MailMesh.Relays.Webhooks;
using Microsoft.Extensions.Options;

namespace MailMesh.Relays;

/// <summary>Checks <see cref="RelayOptions"/> at start-up; each failure names the setting and a valid value.</summary>
public sealed class RelayOptionsValidator : IValidateOptions<RelayOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, RelayOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        var w = options.Webhooks;
        foreach (var network in w.AllowedNetworks)
        {
            if (!System.Net.IPNetwork.TryParse(network, out _))
            {
                failures.Add($"Relays:Webhooks:AllowedNetworks has '{network}'; write CIDR networks such as 10.1.0.0/16 or 127.0.0.1/32.");
            }
        }

        Positive(failures, w.RequestTimeout, "Relays:Webhooks:RequestTimeout", "00:00:10");
        Positive(failures, w.InitialBackoff, "Relays:Webhooks:InitialBackoff", "00:00:01");
        Positive(failures, w.RefreshInterval, "Relays:Webhooks:RefreshInterval", "00:00:30");
        if (w.MaxBackoff < w.InitialBackoff)
        {
            failures.Add($"Relays:Webhooks:MaxBackoff ({w.MaxBackoff}) is below InitialBackoff ({w.InitialBackoff}).");
        }

        Range(failures, w.MaxAttempts, 1, 100, "Relays:Webhooks:MaxAttempts");
        Range(failures, w.BatchSize, 1, 10_000, "Relays:Webhooks:BatchSize");
        Range(failures, w.MaxSubscriptionsPerTenant, 1, 10_000, "Relays:Webhooks:MaxSubscriptionsPerTenant");
        Range(failures, w.MaxDeadLetters, 1, 1_000_000, "Relays:Webhooks:MaxDeadLetters");
        var r = options.RabbitMq;
        if (!string.IsNullOrWhiteSpace(r.Uri) &&
            (!System.Uri.TryCreate(r.Uri, UriKind.Absolute, out var uri) || (uri.Scheme != "amqp" && uri.Scheme != "amqps")))
        {
            failures.Add($"Relays:RabbitMq:Uri is '{WebhookUrl.Redact(r.Uri)}'; it must be an amqp:// or amqps:// URI such as amqp://user:password@rabbitmq:5672/.");
        }

        if (string.IsNullOrWhiteSpace(r.Exchange))
        {
            failures.Add("Relays:RabbitMq:Exchange is empty; the default is mailmesh.events.");
        }

        Range(failures, r.BatchSize, 1, 100_000, "Relays:RabbitMq:BatchSize");
        Positive(failures, r.ConfirmTimeout, "Relays:RabbitMq:ConfirmTimeout", "00:00:30");
        Positive(failures, r.ReconnectDelay, "Relays:RabbitMq:ReconnectDelay", "00:00:01");
        var l = options.Leadership;
        Positive(failures, l.LeaseDuration, "Relays:Leadership:LeaseDuration", "00:00:15");
        Positive(failures, l.RenewInterval, "Relays:Leadership:RenewInterval", "00:00:05");
        if (l.RenewInterval * 2 > l.LeaseDuration)
        {
            failures.Add($"Relays:Leadership:RenewInterval ({l.RenewInterval}) must be at most half of LeaseDuration ({l.LeaseDuration}), " +
                "so a holder renews at least twice before its lease runs out; e.g. 00:00:05 and 00:00:15.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Positive(List<string> failures, TimeSpan value, string key, string example)
    {
        if (value <= TimeSpan.Zero)
        {
            failures.Add($"{key} is {value}; use a positive time span such as {example}.");
        }
    }

    private static void Range(List<string> failures, int value, int min, int max, string key)
    {
        if (value < min || value > max)
        {
            failures.Add($"{key} is {value}; use {min}-{max}.");
        }
    }
}
