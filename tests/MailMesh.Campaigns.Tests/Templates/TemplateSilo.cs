using MailMesh.Grains.Campaigns;
using MailMesh.Grains.Contacts;
using MailMesh.Runtime;
using MailMesh.Runtime.Hosting;
using MailMesh.Runtime.Storage;
using MailMesh.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace MailMesh.Campaigns.Tests.Templates;

/// <summary>An embedded silo with SQLite storage, the audience, composition and SMTP submission to the capturing SMTP
/// server of scripts/test-servers.sh, in a temporary directory.</summary>
internal sealed class TemplateSilo : IAsyncDisposable
{
    public const string Tenant = "acme";

    private TemplateSilo(string directory, Silo silo)
    {
        Directory = directory;
        Silo = silo;
    }

    public string Directory { get; }

    public Silo Silo { get; }

    public ITemplateDirectoryGrain Templates => Silo.GrainFactory.GetGrain<ITemplateDirectoryGrain>(Tenant + "/templates");

    public IContactGrain Contact(string address) => Silo.GrainFactory.GetGrain<IContactGrain>(ContactAddress.KeyFor(Tenant, address));

    public static Dictionary<string, string?> Settings() => new()
    {
        ["Tracking:PublicBaseUrl"] = "https://t.shop.example",
        ["Tracking:Keys:0:Id"] = "1",
        ["Tracking:Keys:0:Key"] = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
        ["Campaigns:Composition:ReturnPathDomain"] = "bounces.shop.example",
        ["Campaigns:Composition:DefaultFromAddress"] = "news@shop.example",
        ["Campaigns:Composition:DefaultFromName"] = "Shop",
        ["Campaigns:Relay:Host"] = TestServers.SmtpCapture.Address.Host,
        ["Campaigns:Relay:Port"] = TestServers.SmtpCapture.Address.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Campaigns:Relay:Tls"] = "None",
        ["Campaigns:Relay:LocalDomain"] = "mailmesh.test",
    };

    public static async Task<TemplateSilo> StartAsync(IReadOnlyDictionary<string, string?>? settings = null)
    {
        var directory = Path.Combine(Path.GetTempPath(), "mailmesh-template-tests", Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(directory);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings ?? Settings()).Build();
        var silo = await new SiloBuilder().ConfigureServices(services =>
        {
            services.AddSingleton<IConfiguration>(configuration);
            services.AddMailMeshSqliteStorage(o => o.DatabasePath = Path.Combine(directory, "silo.db"));
            services.AddAudience(configuration, directory);
            services.AddSmtpSubmission(configuration);
            services.AddCampaignComposition(configuration);
        }).StartAsync();
        return new TemplateSilo(directory, silo);
    }

    public async ValueTask DisposeAsync()
    {
        await Silo.DisposeAsync();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open by a pooled connection: the OS temp cleanup removes it.
        }
    }
}
