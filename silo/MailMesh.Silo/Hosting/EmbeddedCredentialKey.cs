using System.Security.Cryptography;

namespace MailMesh.Silo.Hosting;

/// <summary>The embedded silo needs no setup: when <c>Mailboxes:CredentialKey</c> is not configured, a random
/// key is created once in the data directory (readable by the silo's user only) and used from then on. A
/// cluster sets the key from a secret instead (<c>MAILMESH__MAILBOXES__CREDENTIALKEY</c>).</summary>
internal static class EmbeddedCredentialKey
{
    public const string FileName = "mailbox-credential.key";

    public static void AddIfMissing(ConfigurationManager configuration, string dataDirectory)
    {
        if (!string.IsNullOrEmpty(configuration["Mailboxes:CredentialKey"]))
        {
            return;
        }

        var path = Path.Combine(dataDirectory, FileName);
        try
        {
            Directory.CreateDirectory(dataDirectory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // An unusable data directory is reported by the Silo options check at start-up, with how to fix it.
            return;
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

        configuration["Mailboxes:CredentialKey"] = File.ReadAllText(path).Trim();
    }
}
