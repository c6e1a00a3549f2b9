using System.Text;
using MailMesh.Blobs.Azure;
using MailMesh.Blobs.Tests.Contracts;
using MailMesh.Testing;

namespace MailMesh.Blobs.Tests;

/// <summary>The contract against a real Azurite; skipped (or failed, when servers are required) without it.</summary>
public abstract class AzuriteContractTests(AzureBlobOptions options) : BlobStoreContractTests, IAsyncLifetime
{
    private readonly AzureBlobStore _store = Azurite.CreateStore(options);

    protected override IBlobStore Store
    {
        get
        {
            Azurite.Require();
            return _store;
        }
    }

    public Task InitializeAsync() => TestServers.IsReachable(Server.Azurite) ? Azurite.EnsureContainerAsync(_store) : Task.CompletedTask;

    public Task DisposeAsync() => Task.CompletedTask;
}

/// <summary>The contract with SharedKey authorization.</summary>
public sealed class AzureBlobStoreSharedKeyTests() : AzuriteContractTests(Azurite.Options("contract-sharedkey"))
{
    [SkippableFact]
    public async Task OpenRead_StoredMd5DisagreesWithContent_ThrowsIntegrityError()
    {
        // Commit a block list declaring a wrong whole-blob MD5: the service stores what it is told, so the
        // reader's check is what catches it.
        Azurite.Require();
        using var http = Azurite.Http();
        var bytes = RandomBytes(70 * 1024, seed: 11);
        var options = Azurite.Options("contract-sharedkey");
        options.BlockSize = 64 * 1024;
        var store = new AzureBlobStore(http, options);
        await store.PutAsync(Name("tampered"), new MemoryStream(bytes));
        var wrong = new byte[16];
        await Azurite.SetBlobMd5Async(options, Name("tampered"), wrong);

        await using var download = await store.OpenReadAsync(Name("tampered"));
        var e = await Assert.ThrowsAsync<BlobIntegrityException>(() => ReadAllAsync(download!.Content));
        Assert.Contains(Name("tampered"), e.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task AnyCall_WrongAccountKey_FailsWith403NotTransient()
    {
        Azurite.Require();
        using var http = Azurite.Http();
        var options = Azurite.Options("contract-sharedkey");
        options.AccountKey = Convert.ToBase64String(Encoding.ASCII.GetBytes("not-the-right-key-not-the-right-key!"));
        var store = new AzureBlobStore(http, options);

        var e = await Assert.ThrowsAsync<BlobStoreException>(() => store.GetPropertiesAsync(Name("whatever")));
        Assert.Equal(403, e.StatusCode);
        Assert.False(e.IsTransient);
        Assert.Contains("HTTP 403", e.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Constructor_IncompleteOptions_SaysWhichSetting()
    {
        Azurite.Require();
        using var http = Azurite.Http();
        var options = Azurite.Options("x-y-z");
        options.AccountKey = null;

        var e = Assert.Throws<ArgumentException>(() => new AzureBlobStore(http, options));
        Assert.Contains("AccountKey", e.Message, StringComparison.Ordinal);
    }
}

/// <summary>The contract with an account SAS instead of the key.</summary>
public sealed class AzureBlobStoreSasTests() : AzuriteContractTests(SasOptions())
{
    private static AzureBlobOptions SasOptions()
    {
        var options = Azurite.Options("contract-sas");
        options.SasToken = AccountSas.Create(options.AccountName, options.AccountKey!, "rwdlac", DateTimeOffset.UtcNow.AddHours(1));
        options.AccountKey = null;
        return options;
    }

    [SkippableFact]
    public async Task AnyCall_ExpiredSas_FailsWith403()
    {
        Azurite.Require();
        using var http = Azurite.Http();
        var options = Azurite.Options("contract-sas");
        options.SasToken = AccountSas.Create(options.AccountName, options.AccountKey!, "rwdlac",
            DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(-2));
        options.AccountKey = null;
        var store = new AzureBlobStore(http, options);

        var e = await Assert.ThrowsAsync<BlobStoreException>(() => store.PutAsync(Name("late"), new MemoryStream(new byte[1])));
        Assert.Equal(403, e.StatusCode);
    }
}
