using System.IO.Compression;
using Google.Protobuf;
using MailMesh.Grpc.Tests.Infrastructure;
using MailMesh.Grpc.Tests.Protos;

namespace MailMesh.Grpc.Tests;

public sealed class CompressionAndMetadataTests(GrpcServerFixture fixture) : IClassFixture<GrpcServerFixture>
{
    private const string Unary = "/mailmesh.testing.v1.Echo/Unary";

    private static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(data);
        }

        return output.ToArray();
    }

    [Fact]
    public async Task Unary_GzipCompressedRequest_IsDecompressed()
    {
        var compressed = Gzip(new EchoRequest { Text = new string('g', 1000) }.ToByteArray());

        var response = await fixture.Client.CallAsync(Unary, RawGrpcClient.Frame(compressed, flag: 1),
            r => r.Headers.Add("grpc-encoding", "gzip"));

        Assert.Equal(StatusCode.OK, response.Status);
        Assert.Equal(new string('g', 1000), response.Single(EchoReply.Parser).Text);
        Assert.Contains("gzip", response.Headers["grpc-accept-encoding"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unary_GzipEncodingWithUncompressedFrame_IsAccepted()
    {
        var response = await fixture.Client.CallAsync(Unary, RawGrpcClient.Frame(new EchoRequest { Text = "plain" }),
            r => r.Headers.Add("grpc-encoding", "gzip"));

        Assert.Equal("plain", response.Single(EchoReply.Parser).Text);
    }

    [Fact]
    public async Task Unary_GzipBombOverLimit_ReturnsResourceExhausted()
    {
        var compressed = Gzip(new byte[GrpcServerOptions.DefaultMaxReceiveMessageSize + 1024]);

        var response = await fixture.Client.CallAsync(Unary, RawGrpcClient.Frame(compressed, flag: 1),
            r => r.Headers.Add("grpc-encoding", "gzip"));

        Assert.Equal(StatusCode.ResourceExhausted, response.Status);
        Assert.Contains("decompressed message", response.RawMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unary_CorruptGzip_ReturnsInternal()
    {
        var response = await fixture.Client.CallAsync(Unary, RawGrpcClient.Frame([1, 2, 3, 4, 5], flag: 1),
            r => r.Headers.Add("grpc-encoding", "gzip"));

        Assert.Equal(StatusCode.Internal, response.Status);
        Assert.Contains("gzip", response.RawMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unary_UnknownEncoding_ReturnsUnimplementedAndAdvertisesSupported()
    {
        var response = await fixture.Client.CallAsync(Unary, RawGrpcClient.Frame(new EchoRequest()),
            r => r.Headers.Add("grpc-encoding", "snappy"));

        Assert.Equal(StatusCode.Unimplemented, response.Status);
        Assert.Contains("snappy", response.RawMessage, StringComparison.Ordinal);
        Assert.Contains("gzip", response.Headers["grpc-accept-encoding"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unary_CompressedFlagWithoutEncoding_ReturnsInternal()
    {
        var response = await fixture.Client.CallAsync(Unary, RawGrpcClient.Frame(new EchoRequest().ToByteArray(), flag: 1));

        Assert.Equal(StatusCode.Internal, response.Status);
        Assert.Contains("no grpc-encoding", response.RawMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unary_CustomMetadata_IsReadableAndResponseHeadersAndTrailersAreSent()
    {
        var response = await fixture.Client.CallAsync(Unary, new EchoRequest { Text = "md" }, r =>
        {
            r.Headers.Add("x-echo-text", "value 1");
            r.Headers.Add("x-echo-data-bin", "AQL/"); // 01 02 FF, unpadded base64 of 3 bytes
            r.Headers.Add("authorization", "Bearer k");
        });

        var reply = response.Single(EchoReply.Parser);
        Assert.Contains("x-echo-text=value 1", reply.Metadata);
        Assert.Contains("x-echo-data-bin=0102FF", reply.Metadata);
        Assert.Contains("authorization=Bearer k", reply.Metadata);
        Assert.DoesNotContain(reply.Metadata, m => m.StartsWith("content-type", StringComparison.Ordinal) || m.StartsWith("te=", StringComparison.Ordinal));
        Assert.Equal("value 1", response.Headers["x-reply"]);
        Assert.Equal("AQL/", response.Headers["x-reply-bin"]);
        Assert.Equal("value 1", response.Trailers["x-trailer"]);
        Assert.Equal("AQL/", response.Trailers["x-trailer-bin"]);
    }

    [Fact]
    public async Task Unary_PaddedBase64BinaryMetadata_IsDecoded()
    {
        var response = await fixture.Client.CallAsync(Unary, new EchoRequest(), r => r.Headers.Add("x-k-bin", "AQ=="));

        Assert.Contains("x-k-bin=01", response.Single(EchoReply.Parser).Metadata);
    }

    [Fact]
    public async Task Unary_BinaryMetadataNotBase64_ReturnsInternalNamingTheKey()
    {
        var response = await fixture.Client.CallAsync(Unary, new EchoRequest(), r => r.Headers.Add("x-bad-bin", "!!!"));

        Assert.Equal(StatusCode.Internal, response.Status);
        Assert.Contains("x-bad-bin", response.RawMessage, StringComparison.Ordinal);
    }
}
