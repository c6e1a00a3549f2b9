using MailMesh.Grains.Campaigns;

namespace MailMesh.Campaigns.Sending;

/// <summary>Spreads recipients' send times over a number of minutes, each at a fixed offset derived from its send id, so
/// the offset is the same after a restart and recipients are spread evenly.</summary>
public static class SendSpread
{
    /// <summary>The offset of <paramref name="sendId"/> within <paramref name="minutes"/> minutes (zero when 0).</summary>
    public static TimeSpan Offset(SendId sendId, int minutes)
    {
        if (minutes <= 0)
        {
            return TimeSpan.Zero;
        }

        Span<byte> bytes = stackalloc byte[SendId.Length];
        sendId.WriteBytes(bytes);
        var value = System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes);
        return TimeSpan.FromSeconds((double)(value % (ulong)(minutes * 60)));
    }

    /// <summary>The worker shard of a recipient: by recipient domain when per-domain limits apply (so one worker paces a
    /// domain exactly), otherwise by send id.</summary>
    public static int Shard(SendId sendId, string address, int shards, bool byDomain)
    {
        if (shards <= 1)
        {
            return 0;
        }

        if (byDomain)
        {
            var domain = Domain(address);
            Span<byte> hash = stackalloc byte[32];
            System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(domain), hash);
            return (int)(System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(hash) % (uint)shards);
        }

        Span<byte> bytes = stackalloc byte[SendId.Length];
        sendId.WriteBytes(bytes);
        return (int)(System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes[8..]) % (uint)shards);
    }

    /// <summary>The domain of an address, lower case.</summary>
    public static string Domain(string address)
    {
        var at = address.LastIndexOf('@');
        return (at < 0 ? address : address[(at + 1)..]).ToLowerInvariant();
    }
}
