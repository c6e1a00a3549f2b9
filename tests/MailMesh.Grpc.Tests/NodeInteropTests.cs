using System.Text.Json;
using MailMesh.Grpc.Tests.Infrastructure;

namespace MailMesh.Grpc.Tests;

/// <summary>A stock gRPC client (@grpc/grpc-js) talks to the transport: proof that it speaks the standard protocol.</summary>
public sealed class NodeInteropTests(GrpcServerFixture fixture) : IClassFixture<GrpcServerFixture>
{
    private Task<JsonElement> Run(string scenario) => NodeInterop.RunAsync(fixture.Server.Address, scenario);

    [NodeFact]
    public async Task GrpcJs_Unary_GetsReplyAndMetadata()
    {
        var result = await Run("unary");

        Assert.Equal("from node", result.GetProperty("text").GetString());
        var metadata = result.GetProperty("metadata").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Contains("x-echo-node=hello", metadata);
        Assert.Contains("x-echo-node-bin=010203", metadata);
        Assert.Equal("hello", result.GetProperty("replyHeader").GetString());
    }

    [NodeFact]
    public async Task GrpcJs_ServerStreaming_GetsEveryMessageAndOk()
    {
        var result = await Run("serverStream");

        Assert.Equal([0, 1, 2, 3, 4], result.GetProperty("indices").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(0, result.GetProperty("code").GetInt32());
    }

    [NodeFact]
    public async Task GrpcJs_ClientStreaming_GetsOneReply()
    {
        var result = await Run("clientStream");

        Assert.Equal("x,y,z", result.GetProperty("text").GetString());
        Assert.Equal(3, result.GetProperty("count").GetInt32());
    }

    [NodeFact]
    public async Task GrpcJs_Bidi_ExchangesMessages()
    {
        var result = await Run("bidi");

        Assert.Equal(["b0", "b1", "b2"], result.GetProperty("texts").EnumerateArray().Select(e => e.GetString()));
    }

    [NodeFact]
    public async Task GrpcJs_ErrorStatus_ReadsCodeAndDecodedMessage()
    {
        var result = await Run("error");

        Assert.Equal((int)StatusCode.NotFound, result.GetProperty("code").GetInt32());
        Assert.Equal("mailbox \"ü%\" not found", result.GetProperty("details").GetString());
    }

    [NodeFact]
    public async Task GrpcJs_InvalidArgument_ReadsTheFieldName()
    {
        var result = await Run("invalidArgument");

        Assert.Equal((int)StatusCode.InvalidArgument, result.GetProperty("code").GetInt32());
        Assert.Contains("mailbox.address", result.GetProperty("details").GetString(), StringComparison.Ordinal);
    }

    [NodeFact]
    public async Task GrpcJs_UnmappedMethod_GetsUnimplemented()
    {
        var result = await Run("unimplemented");

        Assert.Equal((int)StatusCode.Unimplemented, result.GetProperty("code").GetInt32());
    }

    [NodeFact]
    public async Task GrpcJs_Deadline_GetsDeadlineExceededAndHandlerIsCancelled()
    {
        var result = await Run("deadline");

        Assert.Equal((int)StatusCode.DeadlineExceeded, result.GetProperty("code").GetInt32());
        await Wait.For(fixture.Server.Echo.CancellationObserved("node-deadline"), "the handler to see the node client's deadline");
    }

    [NodeFact]
    public async Task GrpcJs_Reflection_ListsServicesAndResolvesSymbolsInBothVersions()
    {
        var result = await Run("reflection");

        foreach (var version in new[] { "v1", "v1alpha" })
        {
            var answer = result.GetProperty(version);
            var services = answer.GetProperty("services").EnumerateArray().Select(e => e.GetString()).ToList();
            Assert.Contains("mailmesh.testing.v1.Echo", services);
            Assert.Contains("grpc.health.v1.Health", services);
            Assert.Equal("echo.proto", answer.GetProperty("file").GetString());
            Assert.Equal(["Echo"], answer.GetProperty("fileServices").EnumerateArray().Select(e => e.GetString()));
            Assert.Equal((int)StatusCode.NotFound, answer.GetProperty("notFound").GetInt32());
        }
    }

    [NodeFact]
    public async Task GrpcJs_HealthCheck_IsServing()
    {
        var result = await Run("health");

        Assert.Equal("SERVING", result.GetProperty("status").GetString());
    }
}
