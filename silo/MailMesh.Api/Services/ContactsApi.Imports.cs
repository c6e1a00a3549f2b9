using MailMesh.Api.Authentication;
using MailMesh.Api.Internal;
using MailMesh.Api.V1;
using MailMesh.Grains.Contacts;
using MailMesh.Grpc;
using ImportFormat = MailMesh.Grains.Contacts.ImportFormat;

namespace MailMesh.Api.Services;

internal sealed partial class ContactsApi
{
    private const int MaxChunkBytes = 4 * 1024 * 1024;

    private async Task<V1.ImportStatus> CreateImport(CreateImportRequest request, ServerCallContext context)
    {
        var caller = (await auth.AuthenticateAsync(context).ConfigureAwait(false)).Require(ApiScopes.ContactsWrite);
        var id = request.ImportId.Length == 0 ? "imp-" + Guid.CreateVersion7(time.GetUtcNow()).ToString("N") : request.ImportId;
        var import = Import(caller, id);
        var definition = new ImportDefinition(
            request.FileName, request.Format == V1.ImportFormat.Xlsx ? ImportFormat.Xlsx : ImportFormat.Csv,
            request.Mapping.ToDictionary(m => m.Key, m => m.Value), [.. request.Lists],
            request.ConsentPurpose.Length == 0 ? null : request.ConsentPurpose, request.ConsentSource.Length == 0 ? null : request.ConsentSource,
            request.ConsentForm.Length == 0 ? null : request.ConsentForm, request.IgnoreUnknownColumns,
            request.Delimiter.Length == 0 ? null : request.Delimiter, request.Sheet);
        return ToProto(await GrainErrors.Call(() => import.Create(definition)).ConfigureAwait(false));
    }

    private async Task<UploadImportChunkResponse> UploadImportChunk(UploadImportChunkRequest request, ServerCallContext context)
    {
        var caller = (await auth.AuthenticateAsync(context).ConfigureAwait(false)).Require(ApiScopes.ContactsWrite);
        if (request.Data.Length is 0 or > MaxChunkBytes)
        {
            throw new InvalidArgumentException("data", $"a chunk must be 1-{MaxChunkBytes} bytes; it is {request.Data.Length}");
        }

        var import = Import(caller, request.ImportId);
        var received = await GrainErrors.Call(() => import.AppendChunk(request.Offset, request.Data.ToByteArray())).ConfigureAwait(false);
        return new UploadImportChunkResponse { BytesReceived = received };
    }

    private async Task<V1.ImportStatus> StartImport(StartImportRequest request, ServerCallContext context)
    {
        var caller = (await auth.AuthenticateAsync(context).ConfigureAwait(false)).Require(ApiScopes.ContactsWrite);
        var import = Import(caller, request.ImportId);
        return ToProto(await GrainErrors.Call(() => import.Start(request.TotalBytes)).ConfigureAwait(false));
    }

    private async Task<V1.ImportStatus> GetImport(GetImportRequest request, ServerCallContext context)
    {
        var caller = (await auth.AuthenticateAsync(context).ConfigureAwait(false)).Require(ApiScopes.ContactsRead);
        var import = Import(caller, request.ImportId);
        return ToProto(await GrainErrors.Call(import.GetStatus).ConfigureAwait(false));
    }

    private async Task<ListImportIssuesResponse> ListImportIssues(ListImportIssuesRequest request, ServerCallContext context)
    {
        var caller = (await auth.AuthenticateAsync(context).ConfigureAwait(false)).Require(ApiScopes.ContactsRead);
        var import = Import(caller, request.ImportId);
        var issues = await GrainErrors.Call(() => import.GetIssues(request.Offset, request.Limit == 0 ? 1000 : request.Limit)).ConfigureAwait(false);
        var reply = new ListImportIssuesResponse();
        reply.Issues.AddRange(issues.Select(i => new V1.ImportIssue
        {
            Row = i.Row, Column = i.Column ?? "", Severity = i.Severity, Message = i.Message, Address = i.Address ?? "",
        }));
        return reply;
    }

    private async Task<V1.ImportStatus> CancelImport(CancelImportRequest request, ServerCallContext context)
    {
        var caller = (await auth.AuthenticateAsync(context).ConfigureAwait(false)).Require(ApiScopes.ContactsWrite);
        var import = Import(caller, request.ImportId);
        return ToProto(await GrainErrors.Call(import.Cancel).ConfigureAwait(false));
    }

    private IContactImportGrain Import(Caller caller, string id)
    {
        if (id.Length is 0 or > 64 || !id.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-'))
        {
            throw new InvalidArgumentException("import_id", $"'{id}' is not an import id; use 1-64 lower-case letters, digits and '-'");
        }

        return grains.GetGrain<IContactImportGrain>(caller.Tenant + "/" + id);
    }

    private static V1.ImportStatus ToProto(Grains.Contacts.ImportStatus s) => new()
    {
        ImportId = s.Id, FileName = s.FileName,
        State = s.State.ToString().ToLowerInvariant(), BytesReceived = s.BytesReceived, TotalBytes = s.TotalBytes, RowsRead = s.RowsRead,
        Created = s.Created, Updated = s.Updated, Unchanged = s.Unchanged, Invalid = s.Invalid, Merged = s.Merged, NotMailable = s.NotMailable,
        Warnings = s.Warnings, Error = s.Error ?? "", CreatedAt = Timestamp(s.CreatedAt), CompletedAt = s.CompletedAt is { } done ? Timestamp(done) : null,
    };
}
