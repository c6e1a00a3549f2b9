using System.Text.Json;

namespace MailMesh.Cli;

/// <summary>
/// Where the CLI connects and with which key: flags first, then the environment
/// (MAILMESH_URL, MAILMESH_KEY), then a profile in the profile file (MAILMESH_CONFIG, default
/// ~/.config/mailmesh/profiles.json).
/// </summary>
public sealed record CliSettings(Uri Url, string? Key, bool Insecure)
{
    /// <summary>The default server address: the embedded silo on loopback.</summary>
    public const string DefaultUrl = "http://127.0.0.1:5081";

    /// <summary>Resolves the settings; throws <see cref="CliException"/> naming the bad source.</summary>
    public static CliSettings Resolve(string? urlFlag, string? keyFlag, string? profileName, bool insecure, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var profile = LoadProfile(profileName, environment);
        var urlText = urlFlag ?? environment("MAILMESH_URL") ?? profile?.Url ?? DefaultUrl;
        var source = urlFlag is not null ? "--url" : environment("MAILMESH_URL") is not null ? "MAILMESH_URL" : profile?.Url is not null ? "the profile" : "the default";
        if (!Uri.TryCreate(urlText, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            throw new CliException($"the server URL '{urlText}' from {source} is not an http:// or https:// URL");
        }

        var key = keyFlag ?? environment("MAILMESH_KEY") ?? profile?.Key;
        return new CliSettings(url, string.IsNullOrWhiteSpace(key) ? null : key.Trim(), insecure || profile?.Insecure == true);
    }

    private static Profile? LoadProfile(string? profileName, Func<string, string?> environment)
    {
        var path = environment("MAILMESH_CONFIG")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config", "mailmesh", "profiles.json");
        var name = profileName ?? environment("MAILMESH_PROFILE") ?? "default";
        if (!File.Exists(path))
        {
            if (profileName is not null)
            {
                throw new CliException($"profile '{profileName}' was asked for but the profile file {path} does not exist");
            }

            return null;
        }

        Dictionary<string, Profile>? profiles;
        try
        {
            profiles = JsonSerializer.Deserialize<Dictionary<string, Profile>>(File.ReadAllText(path), JsonOptions);
        }
        catch (JsonException e)
        {
            throw new CliException($"the profile file {path} is not valid JSON (line {e.LineNumber + 1}): expected {{\"default\": {{\"url\": \"…\", \"key\": \"…\"}}}}");
        }

        if (profiles is not null && profiles.TryGetValue(name, out var profile))
        {
            return profile;
        }

        if (profileName is not null)
        {
            throw new CliException($"the profile file {path} has no profile '{profileName}'; it has: {string.Join(", ", profiles?.Keys.ToArray() ?? [])}");
        }

        return null;
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { PropertyNameCaseInsensitive = true };

    private sealed record Profile(string? Url, string? Key, bool Insecure);
}

/// <summary>A user error: printed as one line, exit code 2.</summary>
public sealed class CliException(string message) : Exception(message);
