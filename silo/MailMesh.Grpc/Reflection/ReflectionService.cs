using Google.Protobuf;
using MailMesh.Grpc.Protocol.Reflection.V1Alpha;
using V1 = MailMesh.Grpc.Protocol.Reflection.V1;

namespace MailMesh.Grpc.Reflection;

/// <summary>
/// The handlers of <c>grpc.reflection.v1alpha.ServerReflection</c> and <c>grpc.reflection.v1</c>:
/// one answer per question on a bidirectional stream. Both versions share one wire format, so
/// v1 messages are answered by re-reading them as v1alpha.
/// </summary>
internal sealed class ReflectionService(GrpcServiceRegistry registry)
{
    private IndexedServices? _cached;

    public async Task ServerReflectionInfo(
        IAsyncStreamReader<ServerReflectionRequest> requests,
        IServerStreamWriter<ServerReflectionResponse> responses,
        ServerCallContext context)
    {
        var sent = new HashSet<string>(StringComparer.Ordinal);
        while (await requests.MoveNext(context.CancellationToken).ConfigureAwait(false))
        {
            await responses.WriteAsync(Answer(requests.Current, sent), context.CancellationToken).ConfigureAwait(false);
        }
    }

    public async Task ServerReflectionInfoV1(
        IAsyncStreamReader<V1.ServerReflectionRequest> requests,
        IServerStreamWriter<V1.ServerReflectionResponse> responses,
        ServerCallContext context)
    {
        var sent = new HashSet<string>(StringComparer.Ordinal);
        while (await requests.MoveNext(context.CancellationToken).ConfigureAwait(false))
        {
            var request = ServerReflectionRequest.Parser.ParseFrom(requests.Current.ToByteString());
            var answer = Answer(request, sent);
            await responses.WriteAsync(V1.ServerReflectionResponse.Parser.ParseFrom(answer.ToByteString()), context.CancellationToken)
                .ConfigureAwait(false);
        }
    }

    private ServerReflectionResponse Answer(ServerReflectionRequest request, HashSet<string> sent)
    {
        var index = Index();
        var response = new ServerReflectionResponse { ValidHost = request.Host, OriginalRequest = request };
        switch (request.MessageRequestCase)
        {
            case ServerReflectionRequest.MessageRequestOneofCase.ListServices:
                var list = new ListServiceResponse();
                list.Service.AddRange(registry.Services.Select(s => new ServiceResponse { Name = s.FullName }));
                response.ListServicesResponse = list;
                break;
            case ServerReflectionRequest.MessageRequestOneofCase.FileByFilename:
                SetFile(response, index.FindFileByName(request.FileByFilename), sent, $"file '{request.FileByFilename}' is not known");
                break;
            case ServerReflectionRequest.MessageRequestOneofCase.FileContainingSymbol:
                SetFile(response, index.FindFileBySymbol(request.FileContainingSymbol), sent,
                    $"symbol '{request.FileContainingSymbol}' is not known");
                break;
            case ServerReflectionRequest.MessageRequestOneofCase.AllExtensionNumbersOfType:
                if (index.IsMessageType(request.AllExtensionNumbersOfType))
                {
                    // The served protos declare no extensions.
                    response.AllExtensionNumbersResponse = new ExtensionNumberResponse { BaseTypeName = request.AllExtensionNumbersOfType };
                }
                else
                {
                    response.ErrorResponse = Error(StatusCode.NotFound, $"message type '{request.AllExtensionNumbersOfType}' is not known");
                }

                break;
            case ServerReflectionRequest.MessageRequestOneofCase.FileContainingExtension:
                var ext = request.FileContainingExtension;
                response.ErrorResponse = Error(StatusCode.NotFound,
                    $"no extension {ext.ExtensionNumber} of '{ext.ContainingType}' is known");
                break;
            default:
                response.ErrorResponse = Error(StatusCode.InvalidArgument, "the reflection request names no question");
                break;
        }

        return response;
    }

    private static void SetFile(ServerReflectionResponse response, Google.Protobuf.Reflection.FileDescriptor? file, HashSet<string> sent, string notFound)
    {
        if (file is null)
        {
            response.ErrorResponse = Error(StatusCode.NotFound, notFound);
            return;
        }

        var files = new FileDescriptorResponse();
        files.FileDescriptorProto.AddRange(DescriptorIndex.WithDependencies(file, sent).Select(f => f.SerializedData));
        response.FileDescriptorResponse = files;
    }

    private static ErrorResponse Error(StatusCode code, string message) => new() { ErrorCode = (int)code, ErrorMessage = message };

    private DescriptorIndex Index()
    {
        var services = registry.Services;
        var cached = _cached;
        if (cached is null || cached.Count != services.Count)
        {
            cached = new IndexedServices(new DescriptorIndex(services), services.Count);
            _cached = cached;
        }

        return cached.Index;
    }

    private sealed record IndexedServices(DescriptorIndex Index, int Count);
}
