using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace MailMesh.Campaigns.Links;

/// <summary>Tracking URLs and their signing keys (configuration section <c>Tracking</c>; environment
/// <c>MAILMESH__TRACKING__…</c>). The silo's tracking listener verifies with the same keys.</summary>
public sealed class TrackingOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Tracking";

    /// <summary>The public base URL of the tracking listener, e.g. <c>https://t.example.com</c>.</summary>
    public string? PublicBaseUrl { get; set; }

    /// <summary>The HMAC keys by id; keep retired keys here while their tokens should still work.</summary>
    public List<TrackingKeyOptions> Keys { get; set; } = [];

    /// <summary>The id new tokens are signed with (default: the highest configured id).</summary>
    public byte? CurrentKeyId { get; set; }

    /// <summary>How long a token stays valid.</summary>
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromDays(365);

    /// <summary>Binds the options to the <c>Tracking</c> section once, however many modules ask (the composer signs with
    /// them, the tracking listener verifies): binding twice would append every configured key to the list twice.</summary>
    public static OptionsBuilder<TrackingOptions> AddTo(IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        var builder = services.AddOptions<TrackingOptions>();
        if (!services.Any(d => d.ServiceType == typeof(IConfigureOptions<TrackingOptions>)))
        {
            builder.Bind(configuration.GetSection(Section));
        }

        return builder;
    }

    /// <summary>The key ring the options describe (call after validation).</summary>
    public TrackingKeyRing KeyRing() =>
        new(Keys.ToDictionary(k => k.Id, k => Convert.FromBase64String(k.Key!)), CurrentKeyId ?? Keys.Max(k => k.Id));
}

/// <summary>One tracking key.</summary>
public sealed class TrackingKeyOptions
{
    /// <summary>Its id (0-255), carried in every token it signs.</summary>
    public byte Id { get; set; }

    /// <summary>The key, base64 of at least 32 random bytes (e.g. <c>openssl rand -base64 32</c>).</summary>
    public string? Key { get; set; }
}

/// <summary>Checks <see cref="TrackingOptions"/> at start-up; each message says how to fix it.</summary>
public sealed class TrackingOptionsValidator : IValidateOptions<TrackingOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, TrackingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        if (!Uri.TryCreate(options.PublicBaseUrl, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            problems.Add($"Tracking:PublicBaseUrl '{options.PublicBaseUrl}' is not an absolute http(s) URL; set it to the public address of the tracking listener, e.g. https://t.example.com (MAILMESH__TRACKING__PUBLICBASEURL).");
        }

        if (options.Keys.Count == 0)
        {
            problems.Add("Tracking:Keys is empty; add a key: Tracking:Keys:0:Id = 1 and Tracking:Keys:0:Key = base64 of 32 random bytes, e.g. `openssl rand -base64 32` (MAILMESH__TRACKING__KEYS__0__ID, MAILMESH__TRACKING__KEYS__0__KEY).");
        }

        for (var i = 0; i < options.Keys.Count; i++)
        {
            var key = options.Keys[i];
            var buffer = new byte[key.Key?.Length ?? 0];
            if (key.Key is null || !Convert.TryFromBase64String(key.Key, buffer, out var length) || length < 32)
            {
                problems.Add($"Tracking:Keys:{i}:Key (id {key.Id}) is not base64 of at least 32 bytes; generate one with `openssl rand -base64 32`.");
            }

            if (options.Keys.Take(i).Any(k => k.Id == key.Id))
            {
                problems.Add($"Tracking:Keys:{i}:Id {key.Id} is used by another key; each key needs its own id.");
            }
        }

        if (options.CurrentKeyId is { } current && options.Keys.Count > 0 && options.Keys.All(k => k.Id != current))
        {
            problems.Add($"Tracking:CurrentKeyId {current} is not among Tracking:Keys (ids {string.Join(", ", options.Keys.Select(k => k.Id))}).");
        }

        if (options.TokenLifetime <= TimeSpan.Zero)
        {
            problems.Add($"Tracking:TokenLifetime {options.TokenLifetime} must be positive, e.g. 365.00:00:00.");
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
