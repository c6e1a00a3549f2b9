using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MailMesh.Grpc.Internal;
using MailMesh.Grpc.Tests.Infrastructure;
using MailMesh.Grpc.Tests.Protos;

namespace MailMesh.Grpc.Tests;

public sealed class ProtocolTests
{
    [Theory]
    [InlineData("1H", 36_000_000_000L)]
    [InlineData("2M", 1_200_000_000L)]
    [InlineData("3S", 30_000_000L)]
    [InlineData("250m", 2_500_000L)]
    [InlineData("15u", 150L)]
    [InlineData("1000n", 10L)]
    [InlineData("1n", 1L)]
    [InlineData("0S", 0L)]
    [InlineData("99999999S", 999_999_990_000_000L)]
    public void GrpcTimeoutTryParse_EveryUnit_GivesTheDuration(string text, long ticks)
    {
        Assert.True(GrpcTimeout.TryParse(text, out var timeout));
        Assert.Equal(TimeSpan.FromTicks(ticks), timeout);
    }

    [Fact]
    public void GrpcTimeoutTryParse_HugeHours_SaturatesInsteadOfOverflowing()
    {
        Assert.True(GrpcTimeout.TryParse("99999999H", out var timeout));
        Assert.True(timeout > TimeSpan.FromDays(365 * 1000));
    }

    [Theory]
    [InlineData("")]
    [InlineData("S")]
    [InlineData("-1S")]
    [InlineData("1.5S")]
    [InlineData("123456789m")]
    [InlineData("10s")]
    public void GrpcTimeoutTryParse_Malformed_ReturnsFalse(string text)
    {
        Assert.False(GrpcTimeout.TryParse(text, out _));
    }

    [Theory]
    [InlineData(150L, "15u")]
    [InlineData(30_000_000L, "3000000u")]
    [InlineData(36_000_000_000L, "3600000m")]
    public void GrpcTimeoutFormat_PicksFinestUnitThatFits(long ticks, string expected)
    {
        Assert.Equal(expected, GrpcTimeout.Format(TimeSpan.FromTicks(ticks)));
    }

    [Theory]
    [InlineData("plain text", "plain text")]
    [InlineData("50%", "50%25")]
    [InlineData("ä", "%C3%A4")]
    [InlineData("a\tb", "a%09b")]
    public void PercentEncoding_RoundTrips(string text, string wire)
    {
        Assert.Equal(wire, PercentEncoding.Encode(text));
        Assert.Equal(text, PercentEncoding.Decode(wire));
    }

    [Fact]
    public void PercentEncodingDecode_BadEscape_IsKeptLiterally()
    {
        Assert.Equal("100%zz", PercentEncoding.Decode("100%zz"));
    }

    [Fact]
    public void GrpcServiceBuilderMap_WrongShape_ThrowsNamingBothShapes()
    {
        var builder = new GrpcServiceBuilder(EchoReflection.Descriptor.Services[0]);

        var e = Assert.Throws<ArgumentException>(() => builder.MapUnary<EchoRequest, EchoReply>("ServerStream", (_, _) => Task.FromResult(new EchoReply())));

        Assert.Contains("is server-streaming but was mapped as unary", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GrpcServiceBuilderMap_UnknownMethod_ThrowsListingTheMethods()
    {
        var builder = new GrpcServiceBuilder(EchoReflection.Descriptor.Services[0]);

        var e = Assert.Throws<ArgumentException>(() => builder.MapUnary<EchoRequest, EchoReply>("Nope", (_, _) => Task.FromResult(new EchoReply())));

        Assert.Contains("Unary, ServerStream", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MetadataAdd_InvalidKeyOrValue_ThrowsSayingWhy()
    {
        var metadata = new Metadata();

        Assert.Contains("'!'", Assert.Throws<ArgumentException>(() => metadata.Add("bad!", "v")).Message, StringComparison.Ordinal);
        Assert.Contains("-bin", Assert.Throws<ArgumentException>(() => metadata.Add("k-bin", "v")).Message, StringComparison.Ordinal);
        Assert.Contains("must end in -bin", Assert.Throws<ArgumentException>(() => metadata.Add("k", [1])).Message, StringComparison.Ordinal);
        Assert.Contains("U+000A", Assert.Throws<ArgumentException>(() => metadata.Add("k", "a\nb")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unary_OverTlsWithAlpnH2_Works()
    {
        using var certificate = CreateCertificate();
        await using var server = await GrpcTestServer.StartAsync(certificate: certificate);
        var address = new UriBuilder(server.Address) { Scheme = "https" }.Uri;
        using var client = new RawGrpcClient(address, acceptAnyCertificate: true);

        var response = await client.CallAsync("/mailmesh.testing.v1.Echo/Unary", new EchoRequest { Text = "tls" });

        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal("tls", response.Single(EchoReply.Parser).Text);
    }

    private static X509Certificate2 CreateCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));
        return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pfx), null);
    }
}
