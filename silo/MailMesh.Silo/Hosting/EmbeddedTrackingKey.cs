namespace MailMesh.Silo.Hosting;

/// <summary>The embedded silo signs tracking links without setup: when no <c>Tracking:Keys</c> are configured, a random
/// 32-byte key is created once in <c>tracking.key</c> under the data directory (or <c>Tracking:KeyPath</c>; readable by
/// the silo's user only) and configured as key 1, so the composer that signs links and the listener that checks them use
/// the same key. A cluster configures the same keys on every silo from a secret instead
/// (<c>MAILMESH__TRACKING__KEYS__0__ID</c>, <c>MAILMESH__TRACKING__KEYS__0__KEY</c>).</summary>
internal static class EmbeddedTrackingKey
{
    public const string FileName = "tracking.key";

    public static void AddIfMissing(ConfigurationManager configuration, string dataDirectory)
    {
        if (configuration.GetSection("Tracking:Keys").GetChildren().Any())
        {
            return;
        }

        var path = configuration["Tracking:KeyPath"] is { Length: > 0 } configured ? Path.GetFullPath(configured) : Path.Combine(dataDirectory, FileName);
        if (EmbeddedKeyFile.ReadOrCreate(path) is not { } key)
        {
            return;
        }

        configuration["Tracking:Keys:0:Id"] = "1";
        configuration["Tracking:Keys:0:Key"] = key;
    }
}
