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

        if (EmbeddedKeyFile.ReadOrCreate(Path.Combine(dataDirectory, FileName)) is { } key)
        {
            configuration["Mailboxes:CredentialKey"] = key;
        }
    }
}
