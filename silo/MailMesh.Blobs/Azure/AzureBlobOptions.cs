namespace MailMesh.Blobs.Azure;

/// <summary>Where the Azure Blob container is and how to authorize. Give either <see cref="AccountKey"/>
/// (SharedKey) or <see cref="SasToken"/>.</summary>
public sealed class AzureBlobOptions
{
    /// <summary>The blob service endpoint: <c>https://ACCOUNT.blob.core.windows.net</c>, or a path-style
    /// emulator endpoint such as <c>http://127.0.0.1:10000/devstoreaccount1</c>.</summary>
    public Uri? ServiceUri { get; set; }

    /// <summary>The storage account name.</summary>
    public string AccountName { get; set; } = "";

    /// <summary>The account key (base64) for SharedKey authorization.</summary>
    public string? AccountKey { get; set; }

    /// <summary>A SAS token (query string, with or without the leading '?') used instead of a key.</summary>
    public string? SasToken { get; set; }

    /// <summary>The container holding the blobs (3–63 lower-case letters, digits and '-').</summary>
    public string Container { get; set; } = "mailmesh";

    /// <summary>Blobs up to this size go in one request; larger ones in blocks of this size.</summary>
    public int BlockSize { get; set; } = 4 * 1024 * 1024;

    /// <summary>Attempts for a transient failure (HTTP 408/429/5xx or a network error) before giving up.</summary>
    public int MaxAttempts { get; set; } = 4;

    /// <summary>Returns what is wrong with the options, or null.</summary>
    public string? Validate()
    {
        if (ServiceUri is null)
        {
            return "ServiceUri is not set";
        }

        if (string.IsNullOrWhiteSpace(AccountName))
        {
            return "AccountName is not set";
        }

        if (string.IsNullOrEmpty(AccountKey) == string.IsNullOrEmpty(SasToken))
        {
            return "set exactly one of AccountKey (SharedKey) and SasToken";
        }

        if (AccountKey is not null && !IsBase64(AccountKey))
        {
            return "AccountKey is not base64";
        }

        if (Container.Length is < 3 or > 63 || !Container.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-'))
        {
            return $"Container '{Container}' is not a valid container name (3-63 lower-case letters, digits and '-')";
        }

        return BlockSize is < 64 * 1024 or > 100 * 1024 * 1024 ? "BlockSize must be between 64 KiB and 100 MiB" : null;
    }

    private static bool IsBase64(string s) => Convert.TryFromBase64String(s, new byte[s.Length], out _);
}
