using MailMesh.Runtime;
using MailMesh.Runtime.Cluster;

namespace MailMesh.Cluster.Tests;

public sealed class GrainShardsTests
{
    [Fact]
    public void Hash_KnownIds_MatchTheDocumentedDefinition()
    {
        // FNV-1a 32 over UTF-8 of "Type/Key", then the MurmurHash3 finalizer, computed independently here.
        Assert.Equal(Reference("A.IMailbox/acme/support"), GrainShards.Hash(new GrainId("A.IMailbox", "acme/support")));
        Assert.Equal(Reference("A.IMailbox/acme/ünïcödé-✉"), GrainShards.Hash(new GrainId("A.IMailbox", "acme/ünïcödé-✉")));
        var longKey = "acme/" + new string('x', 1500);
        Assert.Equal(Reference("T/" + longKey), GrainShards.Hash(new GrainId("T", longKey)));
    }

    [Fact]
    public void Hash_FixedVector_NeverChanges()
    {
        // Pinned: changing the hash moves every grain of every running cluster to another shard.
        Assert.Equal(0x2445281Cu, GrainShards.Hash(new GrainId("MailMesh.Grains.IMailboxGrain", "acme/support")));
        Assert.Equal(28, GrainShards.ShardOf(new GrainId("MailMesh.Grains.IMailboxGrain", "acme/support"), 256));
        Assert.Equal(0xE40C292Cu, Fnv1a("a"));
    }

    [Fact]
    public void ShardOf_ManyGrains_SpreadEvenlyOverShards()
    {
        var counts = new int[256];
        for (var i = 0; i < 256_000; i++)
        {
            counts[GrainShards.ShardOf(new GrainId("MailMesh.ICounter", $"acme/c{i}"), 256)]++;
        }

        Assert.All(counts, c => Assert.InRange(c, 800, 1200));
    }

    [Fact]
    public void ShardOf_BadShardCount_ThrowsSayingTheRange()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => GrainShards.ShardOf(new GrainId("T", "acme/x"), 0));
        Assert.Contains("1-65536", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Assign_ThreeSilos_EachOwnsAboutAThird()
    {
        var owners = GrainShards.Assign(["silo-a", "silo-b", "silo-c"], 256);

        foreach (var silo in new[] { "silo-a", "silo-b", "silo-c" })
        {
            Assert.InRange(owners.Count(o => o == silo), 60, 110);
        }
    }

    [Fact]
    public void Assign_SiloRemoved_OnlyItsShardsMove()
    {
        var before = GrainShards.Assign(["silo-a", "silo-b", "silo-c"], 256);
        var after = GrainShards.Assign(["silo-a", "silo-c"], 256);

        for (var shard = 0; shard < 256; shard++)
        {
            if (before[shard] != "silo-b")
            {
                Assert.Equal(before[shard], after[shard]);
            }
            else
            {
                Assert.NotEqual("silo-b", after[shard]);
            }
        }
    }

    [Fact]
    public void Assign_OrderOfSilos_DoesNotMatter()
    {
        Assert.Equal(GrainShards.Assign(["x", "y", "z"], 64), GrainShards.Assign(["z", "x", "y"], 64));
    }

    [Fact]
    public void Assign_NoSilos_NoOwners()
    {
        Assert.All(GrainShards.Assign([], 8), Assert.Null);
    }

    private static uint Reference(string text)
    {
        var h = Fnv1a(text);
        h ^= h >> 16;
        h *= 0x85EBCA6B;
        h ^= h >> 13;
        h *= 0xC2B2AE35;
        h ^= h >> 16;
        return h;
    }

    private static uint Fnv1a(string text)
    {
        var h = 2166136261u;
        foreach (var b in System.Text.Encoding.UTF8.GetBytes(text))
        {
            h = (h ^ b) * 16777619u;
        }

        return h;
    }
}
