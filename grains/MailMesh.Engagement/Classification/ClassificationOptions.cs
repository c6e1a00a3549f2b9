namespace MailMesh.Engagement.Classification;

/// <summary>Rules of the hit classifier. Section <c>Tracking:Classification</c>.</summary>
public sealed class ClassificationOptions
{
    /// <summary>Opens sooner than this after the message was made are prefetches (a person cannot open a message in the
    /// first seconds after sending; gateways and privacy proxies fetch at delivery).</summary>
    public TimeSpan PreOpenWindow { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Clicks sooner than this after the message was made are pre-clicks by a link scanner.</summary>
    public TimeSpan PreClickWindow { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>A click on another link of the same contact within this window of a click makes both machine clicks (a
    /// scanner follows every link of a message at once).</summary>
    public TimeSpan ClickBurstWindow { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>More networks (CIDR) whose hits are machine hits, e.g. Apple's iCloud Private Relay egress list.</summary>
    public List<string> MachineNetworks { get; set; } = [];
}
