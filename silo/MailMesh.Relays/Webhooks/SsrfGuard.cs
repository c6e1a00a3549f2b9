using System.Net;
using System.Net.Sockets;

namespace MailMesh.Relays.Webhooks;

/// <summary>Decides which addresses webhook requests may connect to: public unicast addresses, plus networks the
/// operator allow-listed. Loopback, private (RFC 1918, unique-local), carrier-grade NAT, link-local (which holds the
/// cloud metadata address 169.254.169.254), unspecified, multicast, broadcast and documentation ranges are refused.
/// The check runs on the resolved address at connect time, so a name that resolves differently later (DNS rebinding)
/// gains nothing.</summary>
public sealed class SsrfGuard
{
    private static readonly IPNetwork[] Forbidden =
    [
        IPNetwork.Parse("0.0.0.0/8"),
        IPNetwork.Parse("10.0.0.0/8"),
        IPNetwork.Parse("100.64.0.0/10"),
        IPNetwork.Parse("127.0.0.0/8"),
        IPNetwork.Parse("169.254.0.0/16"),
        IPNetwork.Parse("172.16.0.0/12"),
        IPNetwork.Parse("192.0.0.0/24"),
        IPNetwork.Parse("192.0.2.0/24"),
        IPNetwork.Parse("192.168.0.0/16"),
        IPNetwork.Parse("198.18.0.0/15"),
        IPNetwork.Parse("198.51.100.0/24"),
        IPNetwork.Parse("203.0.113.0/24"),
        IPNetwork.Parse("224.0.0.0/3"),
        IPNetwork.Parse("::/128"),
        IPNetwork.Parse("::1/128"),
        IPNetwork.Parse("64:ff9b::/96"),
        IPNetwork.Parse("100::/64"),
        IPNetwork.Parse("2001:db8::/32"),
        IPNetwork.Parse("fc00::/7"),
        IPNetwork.Parse("fe80::/10"),
        IPNetwork.Parse("ff00::/8"),
    ];

    private readonly IPNetwork[] _allowed;

    /// <summary>Creates the guard with the operator's allow-list (CIDR strings, already validated).</summary>
    public SsrfGuard(IEnumerable<string> allowedNetworks)
    {
        ArgumentNullException.ThrowIfNull(allowedNetworks);
        _allowed = allowedNetworks.Select(IPNetwork.Parse).ToArray();
    }

    /// <summary>Null when <paramref name="address"/> may be connected to, otherwise why not.</summary>
    public string? Check(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        var plain = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        foreach (var network in _allowed)
        {
            if (network.Contains(plain))
            {
                return null;
            }
        }

        if (plain.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
        {
            return $"{plain} is not an IP address";
        }

        foreach (var network in Forbidden)
        {
            if (network.BaseAddress.AddressFamily == plain.AddressFamily && network.Contains(plain))
            {
                return $"{plain} is in {network} ({Describe(network)}); an operator can allow it with Relays:Webhooks:AllowedNetworks";
            }
        }

        return null;
    }

    /// <summary>Resolves <paramref name="host"/> and returns its addresses if every one is allowed.</summary>
    /// <exception cref="WebhookTargetRefusedException">The host resolves to a refused address.</exception>
    /// <exception cref="SocketException">The host does not resolve.</exception>
    public async Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        IPAddress[] addresses;
        if (IPAddress.TryParse(host.Trim('[', ']'), out var literal))
        {
            addresses = [literal];
        }
        else
        {
            try
            {
                addresses = await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
            }
            catch (SocketException e)
            {
                // Transient for delivery (DNS may come back); the API reports it when a subscription is created.
                throw new SocketException((int)e.SocketErrorCode, $"the host '{host}' does not resolve ({e.SocketErrorCode})");
            }
        }

        if (addresses.Length == 0)
        {
            throw new SocketException((int)SocketError.HostNotFound, $"the host '{host}' has no addresses");
        }

        // Every address must pass: a name with one public and one internal address could be steered to the latter.
        foreach (var address in addresses)
        {
            if (Check(address) is { } problem)
            {
                throw new WebhookTargetRefusedException($"the host '{host}' resolves to {problem}");
            }
        }

        return addresses;
    }

    private static string Describe(IPNetwork network) => network.ToString() switch
    {
        "127.0.0.0/8" or "::1/128" => "loopback",
        "169.254.0.0/16" => "link-local, incl. the cloud metadata service",
        "fe80::/10" => "link-local",
        "10.0.0.0/8" or "172.16.0.0/12" or "192.168.0.0/16" or "fc00::/7" => "private",
        "100.64.0.0/10" => "carrier-grade NAT",
        "224.0.0.0/3" or "ff00::/8" => "multicast/reserved",
        _ => "special-purpose",
    };
}

/// <summary>A webhook target that may not be called: it does not resolve, or points inside the network.</summary>
public sealed class WebhookTargetRefusedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public WebhookTargetRefusedException()
    {
    }

    /// <summary>Creates the exception with why.</summary>
    public WebhookTargetRefusedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with why and the cause.</summary>
    public WebhookTargetRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
