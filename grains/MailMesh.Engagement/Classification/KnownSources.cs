namespace MailMesh.Engagement.Classification;

/// <summary>The documented networks and user agents the hit classifier knows (docs/engagement.md lists them with their
/// sources). Operators add networks with <c>Tracking:Classification:MachineNetworks</c> (e.g. Apple's published iCloud
/// Private Relay egress list).</summary>
public static class KnownSources
{
    /// <summary>Networks whose fetches are made by a machine, with the reason recorded for them. Apple Mail Privacy
    /// Protection fetches remote content through Apple's proxies (Apple's own AS714 network 17.0.0.0/8, registered with ARIN
    /// as NET-17-0-0-0-1), at delivery rather than when the message is read. Security gateways fetch and follow links to scan
    /// them: Microsoft Exchange Online Protection / Defender Safe Links (the EOP ranges Microsoft publishes in "Microsoft 365
    /// URLs and IP address ranges", Exchange Online ID 9/10), Proofpoint (AS26211 / AS22843), Mimecast and Barracuda
    /// (their published outbound/scanning ranges).</summary>
    public static IReadOnlyList<(string Cidr, string Reason)> MachineNetworks { get; } =
    [
        ("17.0.0.0/8", "apple-mpp"),
        ("2620:149::/32", "apple-mpp"),
        ("2a01:b740::/32", "apple-mpp"),
        ("40.92.0.0/15", "scanner-network"),
        ("40.107.0.0/16", "scanner-network"),
        ("52.100.0.0/14", "scanner-network"),
        ("104.47.0.0/17", "scanner-network"),
        ("2a01:111:f400::/48", "scanner-network"),
        ("67.231.144.0/20", "scanner-network"),
        ("148.163.128.0/19", "scanner-network"),
        ("205.220.160.0/19", "scanner-network"),
        ("205.139.110.0/24", "scanner-network"),
        ("207.211.30.0/24", "scanner-network"),
        ("64.235.144.0/20", "scanner-network"),
        ("209.222.80.0/21", "scanner-network"),
    ];

    /// <summary>User-agent fragments (case-insensitive) of image proxies that fetch when the person opens the message
    /// (Gmail caches the image after the first fetch; Yahoo likewise): human, with the proxy recorded as the reason.</summary>
    public static IReadOnlyList<(string Fragment, string Reason)> HumanProxyAgents { get; } =
    [
        ("GoogleImageProxy", "gmail-proxy"),
        ("YahooMailProxy", "yahoo-proxy"),
    ];

    /// <summary>User-agent fragments (case-insensitive) of machines: HTTP libraries, crawlers, headless browsers and the
    /// link scanners that name themselves.</summary>
    public static IReadOnlyList<string> MachineAgentFragments { get; } =
    [
        "bot", "crawler", "spider", "slurp", "curl/", "wget/", "python-requests", "python-urllib", "aiohttp", "go-http-client",
        "java/", "okhttp", "libwww-perl", "httpclient", "headlesschrome", "phantomjs", "scanner", "preview", "barracuda",
        "mimecast", "proofpoint", "urldefense", "safelinks", "symantec", "trendmicro", "fortiguard", "ironport", "cisco",
        "forcepoint", "sophos", "zscaler", "checkpoint", "microsoft office existence discovery",
    ];

    /// <summary>The user agent Apple's Mail Privacy Protection proxy sends: exactly this, with no platform details.</summary>
    public const string AppleProxyAgent = "Mozilla/5.0";
}
