using Google.Protobuf.Reflection;
using MailMesh.Grpc.Health;
using MailMesh.Grpc.Protocol.Health.V1;
using MailMesh.Grpc.Tests.Infrastructure;
using MailMesh.Grpc.Tests.Protos;
using Microsoft.Extensions.DependencyInjection;
using Alpha = MailMesh.Grpc.Protocol.Reflection.V1Alpha;
using V1 = MailMesh.Grpc.Protocol.Reflection.V1;

namespace MailMesh.Grpc.Tests;

public sealed class ReflectionAndHealthTests(GrpcServerFixture fixture) : IClassFixture<GrpcServerFixture>
{
    private async Task<V1.ServerReflectionResponse> AskV1(V1.ServerReflectionRequest request)
    {
        var response = await fixture.Client.CallAsync("/grpc.reflection.v1.ServerReflection/ServerReflectionInfo", request);
        Assert.Equal(StatusCode.OK, response.Status);
        return response.Single(V1.ServerReflectionResponse.Parser);
    }

    [Fact]
    public async Task ReflectionV1_ListServices_NamesEveryMappedService()
    {
        var response = await AskV1(new V1.ServerReflectionRequest { ListServices = "" });

        var names = response.ListServicesResponse.Service.Select(s => s.Name).ToList();
        Assert.Contains("mailmesh.testing.v1.Echo", names);
        Assert.Contains("grpc.reflection.v1.ServerReflection", names);
        Assert.Contains("grpc.reflection.v1alpha.ServerReflection", names);
        Assert.Contains("grpc.health.v1.Health", names);
    }

    [Fact]
    public async Task ReflectionV1Alpha_SeveralQuestionsOnOneStream_AreAnsweredInOrder()
    {
        await using var call = await fixture.Client.StartStreamAsync("/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo");

        await call.SendAsync(new Alpha.ServerReflectionRequest { ListServices = "*" });
        var list = Alpha.ServerReflectionResponse.Parser.ParseFrom(await Wait.For(call.ReadAsync(), "the list_services answer"));
        await call.SendAsync(new Alpha.ServerReflectionRequest { FileContainingSymbol = "mailmesh.testing.v1.Echo" });
        var file = Alpha.ServerReflectionResponse.Parser.ParseFrom(await Wait.For(call.ReadAsync(), "the file_containing_symbol answer"));
        call.CompleteRequest();

        Assert.Contains(list.ListServicesResponse.Service, s => s.Name == "mailmesh.testing.v1.Echo");
        var proto = FileDescriptorProto.Parser.ParseFrom(file.FileDescriptorResponse.FileDescriptorProto[0]);
        Assert.Equal("echo.proto", proto.Name);
        Assert.Contains(proto.Service, s => s.Name == "Echo");
    }

    [Theory]
    [InlineData("mailmesh.testing.v1.Echo.Unary")]
    [InlineData("mailmesh.testing.v1.EchoRequest")]
    [InlineData("grpc.health.v1.HealthCheckResponse.ServingStatus")]
    public async Task ReflectionV1_FileContainingSymbol_FindsServicesMethodsMessagesAndEnums(string symbol)
    {
        var response = await AskV1(new V1.ServerReflectionRequest { FileContainingSymbol = symbol });

        Assert.NotEmpty(response.FileDescriptorResponse.FileDescriptorProto);
        Assert.Equal(symbol, response.OriginalRequest.FileContainingSymbol);
    }

    [Fact]
    public async Task ReflectionV1_FileByFilename_ReturnsTheFile()
    {
        var response = await AskV1(new V1.ServerReflectionRequest { FileByFilename = "grpc/health/v1/health.proto" });

        var proto = FileDescriptorProto.Parser.ParseFrom(response.FileDescriptorResponse.FileDescriptorProto[0]);
        Assert.Equal("grpc.health.v1", proto.Package);
    }

    [Fact]
    public async Task ReflectionV1_UnknownSymbol_AnswersNotFoundErrorAndKeepsTheStream()
    {
        var response = await AskV1(new V1.ServerReflectionRequest { FileContainingSymbol = "no.such.Thing" });

        Assert.Equal((int)StatusCode.NotFound, response.ErrorResponse.ErrorCode);
        Assert.Contains("no.such.Thing", response.ErrorResponse.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReflectionV1_ExtensionNumbersOfKnownType_AnswersEmptyList()
    {
        var response = await AskV1(new V1.ServerReflectionRequest { AllExtensionNumbersOfType = "mailmesh.testing.v1.EchoRequest" });

        Assert.Equal("mailmesh.testing.v1.EchoRequest", response.AllExtensionNumbersResponse.BaseTypeName);
        Assert.Empty(response.AllExtensionNumbersResponse.ExtensionNumber);
    }

    [Fact]
    public async Task HealthCheck_Server_IsServing()
    {
        var response = await fixture.Client.CallAsync("/grpc.health.v1.Health/Check", new HealthCheckRequest());

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, response.Single(HealthCheckResponse.Parser).Status);
    }

    [Fact]
    public async Task HealthCheck_MappedService_IsServing()
    {
        var response = await fixture.Client.CallAsync("/grpc.health.v1.Health/Check", new HealthCheckRequest { Service = "mailmesh.testing.v1.Echo" });

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, response.Single(HealthCheckResponse.Parser).Status);
    }

    [Fact]
    public async Task HealthCheck_UnknownService_ReturnsNotFound()
    {
        var response = await fixture.Client.CallAsync("/grpc.health.v1.Health/Check", new HealthCheckRequest { Service = "nope.Service" });

        Assert.Equal(StatusCode.NotFound, response.Status);
    }

    [Fact]
    public async Task HealthWatch_StatusChanges_StreamsCurrentThenEachChange()
    {
        var statuses = fixture.Server.Services.GetRequiredService<GrpcHealthStatus>();
        statuses.SetStatus("watched.Service", HealthCheckResponse.Types.ServingStatus.Serving);
        await using var call = await fixture.Client.StartStreamAsync("/grpc.health.v1.Health/Watch");
        await call.SendAsync(new HealthCheckRequest { Service = "watched.Service" });
        call.CompleteRequest();

        var first = HealthCheckResponse.Parser.ParseFrom(await Wait.For(call.ReadAsync(), "the current status"));
        statuses.SetStatus("watched.Service", HealthCheckResponse.Types.ServingStatus.NotServing);
        var second = HealthCheckResponse.Parser.ParseFrom(await Wait.For(call.ReadAsync(), "the NOT_SERVING update"));

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, first.Status);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, second.Status);
    }

    [Fact]
    public async Task HealthWatch_UnknownService_StreamsServiceUnknown()
    {
        await using var call = await fixture.Client.StartStreamAsync("/grpc.health.v1.Health/Watch");
        await call.SendAsync(new HealthCheckRequest { Service = "never.Registered" });
        call.CompleteRequest();

        var first = HealthCheckResponse.Parser.ParseFrom(await Wait.For(call.ReadAsync(), "the SERVICE_UNKNOWN status"));

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.ServiceUnknown, first.Status);
    }
}
