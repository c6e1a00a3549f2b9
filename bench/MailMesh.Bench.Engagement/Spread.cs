using System.Globalization;
using System.Text;
using MailMesh.Campaigns.Links;
using MailMesh.Grains.Contacts;
using MailMesh.Runtime;

namespace MailMesh.Bench.Engagement;

/// <summary>The hits of a real send instead of one contact's: <c>contacts</c> contacts, each sent one of
/// <c>campaigns</c> campaigns (in turn), each campaign with four links; every request of a run takes the next contact's
/// token (a wrk Lua script walks the list, each wrk thread from its own offset), so the writer hands each batch to many
/// engagement grains, not one.</summary>
public sealed class Spread
{
    private const int LinksPerCampaign = 4;

    private Spread(string pixelScript, string clickScript)
    {
        PixelScript = pixelScript;
        ClickScript = clickScript;
    }

    /// <summary>The wrk script of the open pixels.</summary>
    public string PixelScript { get; }

    /// <summary>The wrk script of the click redirects.</summary>
    public string ClickScript { get; }

    /// <summary>The address of contact <paramref name="index"/>.</summary>
    public static string Contact(int index) => string.Create(CultureInfo.InvariantCulture, $"reader{index:D6}@example.com");

    /// <summary>Creates the contacts in <paramref name="tenant"/> and writes the two scripts into <paramref name="directory"/>.</summary>
    public static async Task<Spread> CreateAsync(
        IGrainFactory grains, TrackingUrls urls, string tenant, int contacts, int campaigns, DateTimeOffset issuedAt, string directory)
    {
        await Parallel.ForEachAsync(Enumerable.Range(0, contacts), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, _) =>
            await grains.GetGrain<IContactGrain>(ContactAddress.KeyFor(tenant, Contact(i))).Upsert(new ContactChange()).ConfigureAwait(false)).ConfigureAwait(false);
        var pixels = new List<string>(contacts);
        var clicks = new List<string>(contacts);
        for (var i = 0; i < contacts; i++)
        {
            var campaign = Campaign(i % campaigns);
            var link = i / campaigns % LinksPerCampaign;
            var claims = new TrackingClaims(TrackingKind.Open, tenant, campaign, Contact(i), issuedAt);
            pixels.Add(urls.Open(claims)[urls.BaseUrl.Length..]);
            clicks.Add(urls.Click(claims, link, $"https://shop.example.com/{campaign}/item-{link}?utm_source=mail")[urls.BaseUrl.Length..]);
        }

        var pixelScript = Path.Combine(directory, "pixels.lua");
        var clickScript = Path.Combine(directory, "clicks.lua");
        await File.WriteAllTextAsync(pixelScript, Script(pixels)).ConfigureAwait(false);
        await File.WriteAllTextAsync(clickScript, Script(clicks)).ConfigureAwait(false);
        return new Spread(pixelScript, clickScript);
    }

    /// <summary>The id of campaign <paramref name="index"/>.</summary>
    public static string Campaign(int index) => string.Create(CultureInfo.InvariantCulture, $"launch-{index}");

    private static string Script(IReadOnlyList<string> paths)
    {
        var lua = new StringBuilder();
        lua.Append("local paths = {\n");
        foreach (var path in paths)
        {
            lua.Append("  \"").Append(path).Append("\",\n");
        }

        lua.Append("""
            }
            local n = #paths
            local threads = 0
            function setup(thread)
              thread:set("offset", threads * 7919)
              threads = threads + 1
            end
            function init(args)
              i = offset % n
            end
            function request()
              i = i % n + 1
              return wrk.format(nil, paths[i])
            end

            """);
        return lua.ToString();
    }
}
