namespace MailMesh.EndToEnd.Tests.Tracking;

/// <summary>The tracking tests share one silo host and one sent campaign (<see cref="SentCampaignFixture"/>); they run
/// one after another and each works on its own recipients.</summary>
[CollectionDefinition(Name)]
public sealed class SentCampaignCollection : ICollectionFixture<SentCampaignFixture>
{
    public const string Name = "A campaign sent through the silo host";
}
