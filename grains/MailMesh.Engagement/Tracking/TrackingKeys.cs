using System.Security.Cryptography;
using MailMesh.Campaigns.Links;

namespace MailMesh.Engagement.Tracking;

/// <summary>Builds the tracking key ring: the configured <c>Tracking:Keys</c>, or a key generated once into a 0600 file
/// (embedded silos; a cluster must configure the same keys on every silo).</summary>
public static class TrackingKeys
{
    /// <summary>The key ring of <paramref name="keys"/> (<c>Tracking:Keys</c>), or of the generated key file when none is
    /// configured.</summary>
    public static TrackingKeyRing Load(TrackingOptions keys, TrackingListenerOptions options, string dataDirectory)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(options);
        if (keys.Keys.Count > 0)
        {
            return keys.KeyRing();
        }

        var path = options.KeyPath ?? Path.Combine(dataDirectory, "tracking.key");
        return new TrackingKeyRing(new Dictionary<byte, byte[]> { [1] = LoadOrCreate(path) }, 1);
    }

    private static byte[] LoadOrCreate(string path)
    {
        if (File.Exists(path))
        {
            var key = Convert.FromBase64String(File.ReadAllText(path).Trim());
            return key.Length >= 32 ? key : throw new InvalidOperationException($"The tracking key file {path} holds {key.Length} bytes; at least 32 are required (delete it to make a new one).");
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var created = RandomNumberGenerator.GetBytes(32);
        var temp = path + ".tmp";
        var fileOptions = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temp, fileOptions))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(Convert.ToBase64String(created));
        }

        try
        {
            File.Move(temp, path, overwrite: false);
            return created;
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another silo on the same directory made it first: use theirs.
            File.Delete(temp);
            return Convert.FromBase64String(File.ReadAllText(path).Trim());
        }
    }
}
