using System.Net;
using MailMesh.Grains.Engagement;
using Microsoft.Extensions.Options;

namespace MailMesh.Engagement.Classification;

/// <summary>What the endpoint can tell about a hit on its own: its network, user agent, method and the time since the
/// message was made. The burst rule (several links within a second) needs the contact's history and runs in its
/// engagement grain. Thread-safe; no allocation for a plain human hit.</summary>
public sealed class HitClassifier
{
    private readonly (IpNetwork Network, string Reason)[] _networks;
    private readonly ClassificationOptions _options;

    /// <summary>A classifier with the known sources plus the configured networks.</summary>
    /// <exception cref="FormatException">A configured network is not CIDR.</exception>
    public HitClassifier(IOptions<ClassificationOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _networks = [.. KnownSources.MachineNetworks.Select(n => (IpNetwork.Parse(n.Cidr), n.Reason)),
            .. _options.MachineNetworks.Select(n => (IpNetwork.Parse(n), "listed-network"))];
    }

    /// <summary>The rules' options.</summary>
    public ClassificationOptions Options => _options;

    /// <summary>Classifies a hit.</summary>
    /// <param name="kind">Open or click (others are always human).</param>
    /// <param name="address">The client's address, when known.</param>
    /// <param name="userAgent">The User-Agent header, when sent.</param>
    /// <param name="head">Whether it was a HEAD request (a person's browser sends GET).</param>
    /// <param name="sinceIssued">Time since the token was made.</param>
    /// <returns>Machine or not, and why (or the proxy a human hit came through).</returns>
    public (bool Machine, string? Reason) Classify(HitKind kind, IPAddress? address, string? userAgent, bool head, TimeSpan sinceIssued)
    {
        if (kind is not (HitKind.Open or HitKind.Click))
        {
            return (false, null);
        }

        var ua = userAgent.AsSpan().Trim();
        if (address is not null)
        {
            foreach (var (network, reason) in _networks)
            {
                if (network.Contains(address))
                {
                    return (true, reason);
                }
            }
        }

        foreach (var (fragment, reason) in KnownSources.HumanProxyAgents)
        {
            if (ua.Contains(fragment, StringComparison.OrdinalIgnoreCase))
            {
                return (false, reason);
            }
        }

        if (ua.IsEmpty)
        {
            return (true, "no-agent");
        }

        foreach (var fragment in KnownSources.MachineAgentFragments)
        {
            if (ua.Contains(fragment, StringComparison.OrdinalIgnoreCase))
            {
                return (true, "bot-agent");
            }
        }

        if (head)
        {
            return (true, "head-request");
        }

        if (kind == HitKind.Open && sinceIssued < _options.PreOpenWindow)
        {
            return (true, "pre-open");
        }

        if (kind == HitKind.Click && sinceIssued < _options.PreClickWindow)
        {
            return (true, "pre-click");
        }

        return (false, null);
    }
}
