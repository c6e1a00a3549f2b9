using System.Net;
using System.Net.Sockets;

namespace MailMesh.Engagement.Classification;

/// <summary>An IPv4 or IPv6 network in CIDR form (<c>17.0.0.0/8</c>, <c>2620:149::/32</c>).</summary>
public readonly struct IpNetwork
{
    private readonly byte[] _prefix;

    private IpNetwork(byte[] prefix, int length)
    {
        _prefix = prefix;
        PrefixLength = length;
    }

    /// <summary>The number of leading bits that must match.</summary>
    public int PrefixLength { get; }

    /// <summary>Parses <c>address/length</c> (a bare address is a /32 or /128).</summary>
    /// <exception cref="FormatException">It is not CIDR notation; the message quotes it.</exception>
    public static IpNetwork Parse(string cidr)
    {
        ArgumentNullException.ThrowIfNull(cidr);
        var slash = cidr.IndexOf('/', StringComparison.Ordinal);
        var addressText = slash < 0 ? cidr : cidr[..slash];
        if (!IPAddress.TryParse(addressText.Trim(), out var address))
        {
            throw new FormatException($"'{cidr}' is not a network in CIDR form (e.g. 17.0.0.0/8 or 2620:149::/32).");
        }

        var bytes = Normalize(address).GetAddressBytes();
        var length = bytes.Length * 8;
        if (slash >= 0 && (!int.TryParse(cidr.AsSpan(slash + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out length)
            || length > bytes.Length * 8))
        {
            throw new FormatException($"'{cidr}' has a prefix length outside 0-{bytes.Length * 8}.");
        }

        return new IpNetwork(bytes, length);
    }

    /// <summary>Whether <paramref name="address"/> is in the network (IPv4-mapped IPv6 addresses count as IPv4).</summary>
    public bool Contains(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        Span<byte> bytes = stackalloc byte[16];
        if (!Normalize(address).TryWriteBytes(bytes, out var written) || written != _prefix.Length)
        {
            return false;
        }

        var full = PrefixLength / 8;
        if (!bytes[..full].SequenceEqual(_prefix.AsSpan(0, full)))
        {
            return false;
        }

        var rest = PrefixLength % 8;
        if (rest == 0)
        {
            return true;
        }

        var mask = (byte)(0xFF << (8 - rest));
        return (bytes[full] & mask) == (_prefix[full] & mask);
    }

    private static IPAddress Normalize(IPAddress address) =>
        address.AddressFamily == AddressFamily.InterNetworkV6 && address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}
