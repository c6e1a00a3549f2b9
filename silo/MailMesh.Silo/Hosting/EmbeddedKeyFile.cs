using System.Security.Cryptography;

namespace MailMesh.Silo.Hosting;

/// <summary>A random 32-byte key kept in a file (base64, readable by the silo's user only), created on first use so an
/// embedded silo needs no setup; a cluster configures its keys from secrets instead.</summary>
internal static class EmbeddedKeyFile
{
    /// <summary>The base64 key in <paramref name="path"/>, created first when missing (a concurrent creator wins and its
    /// key is used); null when the directory cannot be created — the Silo options check at start-up reports an unusable
    /// data directory with how to fix it.</summary>
    public static string? ReadOrCreate(string path)
    {
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        if (!File.Exists(path))
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            try
            {
                using var file = new FileStream(path, options);
                file.Write(System.Text.Encoding.ASCII.GetBytes(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))));
            }
            catch (IOException) when (File.Exists(path))
            {
                // Another process created it first; use theirs.
            }
        }

        return File.ReadAllText(path).Trim();
    }
}
