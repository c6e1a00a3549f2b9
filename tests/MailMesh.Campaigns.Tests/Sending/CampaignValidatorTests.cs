using MailMesh.Campaigns.Sending;
using MailMesh.Grains.Campaigns;

namespace MailMesh.Campaigns.Tests.Sending;

public sealed class CampaignValidatorTests
{
    internal static CampaignDefinition Valid() => new(
        "Spring sale", "spring", "everyone", null, new CampaignSender("news@shop.example", "Shop"), "Europe/Paris",
        [new SendWindow([DayOfWeek.Monday], new TimeOnly(9, 0), new TimeOnly(17, 0))], 30, new CampaignThrottle(100, 10), TimeSpan.FromHours(4));

    [Fact]
    public void Validate_ValidDefinition_Passes() => CampaignValidator.Validate(Valid());

    [Theory]
    [InlineData("time_zone", "Mars/Olympus")]
    [InlineData("windows[0]", "end-before-start")]
    [InlineData("windows[0]", "no-days")]
    [InlineData("throttle.per_minute", "negative")]
    [InlineData("throttle.per_domain_per_minute", "negative-domain")]
    [InlineData("spread_minutes", "spread")]
    [InlineData("max_deferral", "deferral")]
    [InlineData("sender.from_address", "sender")]
    [InlineData("template", "template")]
    public void Validate_BadField_NamesTheField(string field, string problem)
    {
        var definition = problem switch
        {
            "Mars/Olympus" => Valid() with { TimeZone = "Mars/Olympus" },
            "end-before-start" => Valid() with { Windows = [new SendWindow([DayOfWeek.Monday], new TimeOnly(17, 0), new TimeOnly(9, 0))] },
            "no-days" => Valid() with { Windows = [new SendWindow([], new TimeOnly(9, 0), new TimeOnly(17, 0))] },
            "negative" => Valid() with { Throttle = new CampaignThrottle(-1) },
            "negative-domain" => Valid() with { Throttle = new CampaignThrottle(0, -5) },
            "spread" => Valid() with { SpreadMinutes = -1 },
            "deferral" => Valid() with { MaxDeferral = TimeSpan.Zero },
            "sender" => Valid() with { Sender = new CampaignSender("not an address") },
            _ => Valid() with { Template = "bad name!" },
        };

        var error = Assert.Throws<ArgumentException>(() => CampaignValidator.Validate(definition));

        Assert.Equal(field, error.ParamName);
        Assert.StartsWith(field + ":", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_UnknownZone_SaysWhatAZoneLooksLike()
    {
        var error = Assert.Throws<ArgumentException>(() => CampaignValidator.Validate(Valid() with { TimeZone = "Europe/Pariss" }));

        Assert.Contains("'Europe/Pariss' is not a known IANA time zone", error.Message, StringComparison.Ordinal);
    }
}
