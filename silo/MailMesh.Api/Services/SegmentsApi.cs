using MailMesh.Api.Authentication;
using MailMesh.Api.Internal;
using MailMesh.Api.V1;
using MailMesh.Grains.Contacts;
using MailMesh.Grpc;
using MailMesh.Runtime;
using ProtoTimestamp = Google.Protobuf.WellKnownTypes.Timestamp;
using Segment = MailMesh.Api.V1.Segment;
using SegmentMode = MailMesh.Grains.Contacts.SegmentMode;
using SegmentPreview = MailMesh.Api.V1.SegmentPreview;

namespace MailMesh.Api.Services;

/// <summary><c>mailmesh.v1.Segments</c> over the caller's tenant's <see cref="ISegmentDirectoryGrain"/>.</summary>
internal sealed class SegmentsApi(ApiAuthenticator auth, IGrainFactory grains)
{
    private const int DefaultPageSize = 100;

    public void Map(GrpcServiceBuilder builder) => builder
        .MapUnary<CreateSegmentRequest, Segment>("Create", Create)
        .MapUnary<GetSegmentRequest, Segment>("Get", Get)
        .MapUnary<ListSegmentsRequest, ListSegmentsResponse>("List", List)
        .MapUnary<DeleteSegmentRequest, DeleteSegmentResponse>("Delete", Delete)
        .MapUnary<PreviewSegmentRequest, SegmentPreview>("Preview", Preview)
        .MapUnary<SnapshotSegmentRequest, Segment>("Snapshot", Snapshot)
        .MapUnary<ListSegmentMembersRequest, ListSegmentMembersResponse>("ListMembers", ListMembers);

    private async Task<Segment> Create(CreateSegmentRequest request, ServerCallContext context)
    {
        var directory = await OpenAsync(context, ApiScopes.ContactsWrite).ConfigureAwait(false);
        if (!Enum.IsDefined(request.Mode))
        {
            throw new InvalidArgumentException("mode", $"{(int)request.Mode} is not a segment mode");
        }

        var definition = new SegmentDefinition(request.Name, request.Expression, (SegmentMode)(int)request.Mode,
            request.Description.Length == 0 ? null : request.Description);
        return ToProto(await Call(() => directory.Save(definition, request.Replace)).ConfigureAwait(false));
    }

    private async Task<Segment> Get(GetSegmentRequest request, ServerCallContext context)
    {
        var directory = await OpenAsync(context, ApiScopes.ContactsRead).ConfigureAwait(false);
        var segment = await Call(() => directory.Get(request.Name)).ConfigureAwait(false)
            ?? throw new RpcException(StatusCode.NotFound, $"segment '{request.Name}' does not exist");
        return ToProto(segment);
    }

    private async Task<ListSegmentsResponse> List(ListSegmentsRequest request, ServerCallContext context)
    {
        var directory = await OpenAsync(context, ApiScopes.ContactsRead).ConfigureAwait(false);
        var reply = new ListSegmentsResponse();
        reply.Segments.AddRange((await Call(directory.List).ConfigureAwait(false)).Select(ToProto));
        return reply;
    }

    private async Task<DeleteSegmentResponse> Delete(DeleteSegmentRequest request, ServerCallContext context)
    {
        var directory = await OpenAsync(context, ApiScopes.ContactsWrite).ConfigureAwait(false);
        return new DeleteSegmentResponse { Deleted = await Call(() => directory.Delete(request.Name)).ConfigureAwait(false) };
    }

    private async Task<SegmentPreview> Preview(PreviewSegmentRequest request, ServerCallContext context)
    {
        var directory = await OpenAsync(context, ApiScopes.ContactsRead).ConfigureAwait(false);
        var preview = request.TargetCase switch
        {
            PreviewSegmentRequest.TargetOneofCase.Expression => await Call(() => directory.Preview(request.Expression, request.SampleSize)).ConfigureAwait(false),
            PreviewSegmentRequest.TargetOneofCase.Name => await Call(() => directory.Count(request.Name, request.SampleSize)).ConfigureAwait(false),
            _ => throw new InvalidArgumentException("expression", "give an expression or the name of a saved segment"),
        };
        var reply = new SegmentPreview { Count = preview.Count, EvaluatedAt = ProtoTimestamp.FromDateTimeOffset(preview.EvaluatedAt) };
        reply.Sample.AddRange(preview.Sample);
        return reply;
    }

    private async Task<Segment> Snapshot(SnapshotSegmentRequest request, ServerCallContext context)
    {
        var directory = await OpenAsync(context, ApiScopes.ContactsWrite).ConfigureAwait(false);
        return ToProto(await Call(() => directory.Snapshot(request.Name)).ConfigureAwait(false));
    }

    private async Task<ListSegmentMembersResponse> ListMembers(ListSegmentMembersRequest request, ServerCallContext context)
    {
        var directory = await OpenAsync(context, ApiScopes.ContactsRead).ConfigureAwait(false);
        var size = request.PageSize == 0 ? DefaultPageSize : request.PageSize;
        var page = await Call(() => directory.Members(request.Name, request.PageToken.Length == 0 ? null : request.PageToken, size)).ConfigureAwait(false);
        var reply = new ListSegmentMembersResponse { NextPageToken = page.Next ?? "" };
        reply.Addresses.AddRange(page.Addresses);
        return reply;
    }

    private async Task<ISegmentDirectoryGrain> OpenAsync(ServerCallContext context, string scope)
    {
        var caller = (await auth.AuthenticateAsync(context).ConfigureAwait(false)).Require(scope);
        return grains.GetGrain<ISegmentDirectoryGrain>(caller.Tenant + "/segments");
    }

    /// <summary>A grain call with the API's error mapping, plus NOT_FOUND for a missing segment.</summary>
    private static Task<T> Call<T>(Func<Task<T>> call) => GrainErrors.Call(async () =>
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (SegmentNotFoundException e)
        {
            throw new RpcException(StatusCode.NotFound, e.Message);
        }
        catch (RemoteGrainException e) when (e.OriginalTypeName.EndsWith(nameof(SegmentNotFoundException), StringComparison.Ordinal))
        {
            throw new RpcException(StatusCode.NotFound, e.OriginalMessage);
        }
    });

    private static Segment ToProto(SegmentInfo s) => new()
    {
        Name = s.Name, Expression = s.Expression, Mode = (V1.SegmentMode)(int)s.Mode, Description = s.Description ?? "",
        CreatedAt = ProtoTimestamp.FromDateTimeOffset(s.CreatedAt), UpdatedAt = ProtoTimestamp.FromDateTimeOffset(s.UpdatedAt),
        SnapshotAt = s.SnapshotAt is { } at ? ProtoTimestamp.FromDateTimeOffset(at) : null, SnapshotCount = s.SnapshotCount ?? 0,
    };
}
