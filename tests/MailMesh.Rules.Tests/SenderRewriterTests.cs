using System.Text;
using MailMesh.Rules.Replies;

namespace MailMesh.Rules.Tests;

/// <summary>SRS against the vectors PostSRSd's own tests use (secret <c>tops3cr3t</c>, forwarder example.com, clock at
/// 2020-01-01 00:01 UTC), so addresses made here reverse there and the other way round.</summary>
public sealed class SenderRewriterTests
{
    private static readonly DateTimeOffset Now = new(2020, 1, 1, 0, 1, 0, TimeSpan.Zero);

    private static SenderRewriter Rewriter(params string[] secrets) => new(new SrsOptions { Secrets = [.. secrets.DefaultIfEmpty("tops3cr3t")] });

    [Fact]
    public void Forward_ForeignSender_Srs0WithHashAndDayStamp()
    {
        Assert.Equal("SRS0=vmyz=2W=otherdomain.com=test@example.com", Rewriter().Forward("test@otherdomain.com", "example.com", Now));
    }

    [Fact]
    public void Forward_Srs0OfAnotherForwarder_GuardedAsSrs1()
    {
        Assert.Equal("SRS1=chaI=otherdomain.com==opaque+string@example.com", Rewriter().Forward("SRS0=opaque+string@otherdomain.com", "example.com", Now));
    }

    [Fact]
    public void Forward_LocalOrNullSender_Unchanged()
    {
        var rewriter = new SenderRewriter(new SrsOptions { Secrets = ["tops3cr3t"], LocalDomains = ["corp.example"] });

        Assert.Equal("ann@example.com", rewriter.Forward("ann@example.com", "example.com", Now));
        Assert.Equal("bob@corp.example", rewriter.Forward("bob@corp.example", "example.com", Now));
        Assert.Equal("", rewriter.Forward("", "example.com", Now));
    }

    [Theory]
    [InlineData("SRS0=XjO9=2V=otherdomain.com=test@example.com", "test@otherdomain.com")]
    [InlineData("srs0=xjo9=2v=otherdomain.com=test@example.com", "test@otherdomain.com")]
    [InlineData("SRS0=XJO9=2V=OTHERDOMAIN.COM=TEST@EXAMPLE.COM", "TEST@OTHERDOMAIN.COM")]
    [InlineData("SRS1=JIBX=thirddomain.com==opaque+string@example.com", "SRS0=opaque+string@thirddomain.com")]
    public void Reverse_KnownVectors_OriginalAddress(string address, string expected)
    {
        Assert.Equal(expected, Rewriter().Reverse(address, Now));
    }

    [Fact]
    public void Reverse_ForwardedAddress_RoundTripsWithARotatedKey()
    {
        var forwarded = Rewriter("old-secret").Forward("Ann.Lee+tag@Partner.example", "example.com", Now);

        Assert.Equal("Ann.Lee+tag@Partner.example", Rewriter("new-secret", "old-secret").Reverse(forwarded, Now.AddDays(3)));
    }

    [Fact]
    public void Reverse_OlderThanMaxAge_RefusedNamingTheAge()
    {
        var e = Assert.Throws<SrsException>(() => Rewriter().Reverse("SRS0=XjO9=2V=otherdomain.com=test@example.com", Now.AddDays(30)));

        Assert.Contains("31 days ago", e.Message, StringComparison.Ordinal);
        Assert.Contains("Rules:Srs:MaxAgeDays", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("SRS0=AAAA=2V=otherdomain.com=test@example.com", "none of the configured secrets")]
    [InlineData("SRS0=XjO9=2V=otherdomain.com=other@example.com", "none of the configured secrets")]
    [InlineData("SRS0=XjO9=2V=otherdomain.com@example.com", "not a valid SRS0 address")]
    [InlineData("SRS1=JIBX=thirddomain.com@example.com", "not a valid SRS1 address")]
    [InlineData("test@example.com", "not an SRS address")]
    public void Reverse_ForgedOrMalformed_RefusedSayingWhy(string address, string reason)
    {
        var e = Assert.Throws<SrsException>(() => Rewriter().Reverse(address, Now));

        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_NoSecret_ErrorNamesTheSetting()
    {
        var e = Assert.Throws<ArgumentException>(() => new SenderRewriter(new SrsOptions()));

        Assert.Contains("Rules:Srs:Secrets", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EnvelopeSenderOf_ReturnPathForms_AddressNullPathOrNone()
    {
        static string? Of(string header) => RuleMail.EnvelopeSenderOf(Encoding.ASCII.GetBytes(header + "Subject: x\r\n\r\nbody\r\n"));

        Assert.Equal("ann@partner.example", Of("Return-Path: <ann@partner.example>\r\n"));
        Assert.Equal("", Of("Return-Path: <>\r\n"));
        Assert.Null(Of(""));
        Assert.Null(Of("Return-Path: <not an address>\r\n"));
    }
}
