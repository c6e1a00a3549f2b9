using MailMesh.Api.Authentication;
using MailMesh.Api.Internal;
using MailMesh.Api.V1;
using MailMesh.Grains.Contacts;
using MailMesh.Grpc;
using MailMesh.Runtime;
using Contact = MailMesh.Api.V1.Contact;
using SuppressionReason = MailMesh.Grains.Contacts.SuppressionReason;

namespace MailMesh.Api.Services;

/// <summary><c>mailmesh.v1.Contacts</c> over <see cref="IContactGrain"/>, <see cref="IContactSchemaGrain"/>,
/// <see cref="IContactDirectoryGrain"/> and <see cref="IContactImportGrain"/>; every grain key starts with the caller's
/// tenant, so another tenant's contact is simply not found.</summary>
internal sealed partial class ContactsApi(ApiAuthenticator auth, IGrainFactory grains, TimeProvider time)
{
    private const int DefaultPageSize = 100;

    public void Map(GrpcServiceBuilder builder) => builder
        .MapUnary<CreateContactRequest, Contact>("Create", Create)
        .MapUnary<UpdateContactRequest, Contact>("Update", Update)
        .MapUnary<GetContactRequest, Contact>("Get", Get)
        .MapUnary<DeleteContactRequest, DeleteContactResponse>("Delete", Delete)
        .MapUnary<ListContactsRequest, ListContactsResponse>("List", List)
        .MapUnary<UnsubscribeContactRequest, Contact>("Unsubscribe", Unsubscribe)
        .MapUnary<SuppressContactRequest, Contact>("Suppress", Suppress)
        .MapUnary<UnsuppressContactRequest, Contact>("Unsuppress", Unsuppress)
        .MapUnary<GetAttributeSchemaRequest, V1.AttributeSchema>("GetSchema", GetSchema)
        .MapUnary<DefineAttributeRequest, V1.AttributeSchema>("DefineAttribute", DefineAttribute)
        .MapUnary<CheckAddressRequest, CheckAddressResponse>("CheckAddress", CheckAddress)
        .MapUnary<CreateImportRequest, V1.ImportStatus>("CreateImport", CreateImport)
        .MapUnary<UploadImportChunkRequest, UploadImportChunkResponse>("UploadImportChunk", UploadImportChunk)
        .MapUnary<StartImportRequest, V1.ImportStatus>("StartImport", StartImport)
        .MapUnary<GetImportRequest, V1.ImportStatus>("GetImport", GetImport)
        .MapUnary<ListImportIssuesRequest, ListImportIssuesResponse>("ListImportIssues", ListImportIssues)
        .MapUnary<CancelImportRequest, V1.ImportStatus>("CancelImport", CancelImport)
        .MapUnary<ExportContactRequest, ExportContactResponse>("Export", Export)
        .MapUnary<EraseContactRequest, EraseContactResponse>("Erase", Erase);

    private async Task<Contact> Create(CreateContactRequest request, ServerCallContext context)
    {
        var (caller, grain) = await OpenAsync(context, ApiScopes.ContactsWrite, request.Address).ConfigureAwait(false);
        var schema = await SchemaAsync(caller).ConfigureAwait(false);
        var change = new ContactChange(
            ToAttributes(request.Attributes, [], schema, "attributes"), [.. request.Lists], null, ToConsent(request.Consent, "api"), "key:" + caller.KeyId);
        return ToProto(await GrainErrors.Call(() => grain.Create(change)).ConfigureAwait(false));
    }

    private async Task<Contact> Update(UpdateContactRequest request, ServerCallContext context)
    {
        var (caller, grain) = await OpenAsync(context, ApiScopes.ContactsWrite, request.Address).ConfigureAwait(false);
        var schema = await SchemaAsync(caller).ConfigureAwait(false);
        var change = new ContactChange(
            ToAttributes(request.SetAttributes, request.RemoveAttributes, schema, "set_attributes"), [.. request.AddLists], [.. request.RemoveLists],
            ToConsent(request.Consent, "api"), "key:" + caller.KeyId);
        var updated = request.CreateIfMissing
            ? (await GrainErrors.Call(() => grain.Upsert(change)).ConfigureAwait(false)).Contact
            : await GrainErrors.Call(() => grain.Update(change)).ConfigureAwait(false);
        return ToProto(updated);
    }

    private async Task<Contact> Get(GetContactRequest request, ServerCallContext context)
    {
        var (_, grain) = await OpenAsync(context, ApiScopes.ContactsRead, request.Address).ConfigureAwait(false);
        var contact = await GrainErrors.Call(grain.Get).ConfigureAwait(false)
            ?? throw new RpcException(StatusCode.NotFound, $"contact '{request.Address}' does not exist");
        return ToProto(contact);
    }

    private async Task<DeleteContactResponse> Delete(DeleteContactRequest request, ServerCallContext context)
    {
        var (_, grain) = await OpenAsync(context, ApiScopes.ContactsWrite, request.Address).ConfigureAwait(false);
        await GrainErrors.Call(async () =>
        {
            await grain.Delete().ConfigureAwait(false);
            return true;
        }).ConfigureAwait(false);
        return new DeleteContactResponse();
    }

    private async Task<ListContactsResponse> List(ListContactsRequest request, ServerCallContext context)
    {
        var caller = (await auth.AuthenticateAsync(context).ConfigureAwait(false)).Require(ApiScopes.ContactsRead);
        var size = request.PageSize == 0 ? DefaultPageSize : request.PageSize;
        var directory = grains.GetGrain<IContactDirectoryGrain>(caller.Tenant + "/contacts");
        var page = await GrainErrors.Call(() => directory.List(request.List.Length == 0 ? null : request.List, request.PageToken.Length == 0 ? null : request.PageToken, size))
            .ConfigureAwait(false);
        var reply = new ListContactsResponse { Total = page.Total, NextPageToken = page.Contacts.Count == size ? page.Contacts[^1].Address : "" };
        reply.Contacts.AddRange(page.Contacts.Select(c => new V1.ContactSummary
        {
            Address = c.Address, Mailable = c.Mailable, RoleAddress = c.RoleAddress, UpdatedAt = Timestamp(c.UpdatedAt), Version = c.Version,
        }));
        return reply;
    }

    private async Task<Contact> Unsubscribe(UnsubscribeContactRequest request, ServerCallContext context)
    {
        var (_, grain) = await OpenAsync(context, ApiScopes.ContactsWrite, request.Address).ConfigureAwait(false);
        var list = request.List.Length == 0 ? "*" : request.List;
        var source = request.Source.Length == 0 ? "api" : request.Source;
        return ToProto(await GrainErrors.Call(() => grain.Unsubscribe(list, source, request.Detail.Length == 0 ? null : request.Detail)).ConfigureAwait(false));
    }

    private async Task<Contact> Suppress(SuppressContactRequest request, ServerCallContext context)
    {
        var (_, grain) = await OpenAsync(context, ApiScopes.ContactsWrite, request.Address).ConfigureAwait(false);
        var reason = ParseReason(request.Reason, "reason");
        if (reason == SuppressionReason.Unsubscribed)
        {
            throw new InvalidArgumentException("reason", "use Unsubscribe for unsubscribes; Suppress takes hard_bounced, complained or manual");
        }

        return ToProto(await GrainErrors.Call(() => grain.Suppress(reason, request.Detail.Length == 0 ? null : request.Detail)).ConfigureAwait(false));
    }

    private async Task<Contact> Unsuppress(UnsuppressContactRequest request, ServerCallContext context)
    {
        var (caller, grain) = await OpenAsync(context, ApiScopes.ContactsWrite, request.Address).ConfigureAwait(false);
        var reason = ParseReason(request.Reason, "reason");
        var scope = request.Scope.Length == 0 ? "*" : request.Scope;
        return ToProto(await GrainErrors.Call(() => grain.Unsuppress(scope, reason, "key:" + caller.KeyId)).ConfigureAwait(false));
    }

    private async Task<V1.AttributeSchema> GetSchema(GetAttributeSchemaRequest request, ServerCallContext context)
    {
        var caller = (await auth.AuthenticateAsync(context).ConfigureAwait(false)).Require(ApiScopes.ContactsRead);
        return ToProto(await SchemaAsync(caller).ConfigureAwait(false));
    }

    private async Task<V1.AttributeSchema> DefineAttribute(DefineAttributeRequest request, ServerCallContext context)
    {
        var caller = (await auth.AuthenticateAsync(context).ConfigureAwait(false)).Require(ApiScopes.ContactsWrite);
        if (!Enum.IsDefined(request.Type))
        {
            throw new InvalidArgumentException("type", $"{(int)request.Type} is not an attribute type");
        }

        var schema = grains.GetGrain<IContactSchemaGrain>(caller.Tenant + "/contact-schema");
        var definition = new Grains.Contacts.AttributeDefinition(request.Name, (Grains.Contacts.AttributeType)(int)request.Type, request.Description.Length == 0 ? null : request.Description);
        return ToProto(await GrainErrors.Call(() => schema.Define(definition)).ConfigureAwait(false));
    }

    private async Task<CheckAddressResponse> CheckAddress(CheckAddressRequest request, ServerCallContext context)
    {
        _ = (await auth.AuthenticateAsync(context).ConfigureAwait(false)).Require(ApiScopes.ContactsRead);
        var check = ContactAddress.Check(request.Address);
        return new CheckAddressResponse
        {
            Valid = check.IsValid, Normalized = check.Normalized ?? "", Display = check.Display ?? "", Error = check.Error ?? "",
            Suggestion = check.Suggestion ?? "", RoleAddress = check.RoleAddress,
        };
    }

    /// <summary>Authenticates, requires the scope and turns the address into the contact's grain (normalized).</summary>
    private async Task<(Caller Caller, IContactGrain Grain)> OpenAsync(ServerCallContext context, string scope, string address)
    {
        var caller = (await auth.AuthenticateAsync(context).ConfigureAwait(false)).Require(scope);
        var check = ContactAddress.Check(address);
        if (!check.IsValid)
        {
            throw new InvalidArgumentException("address", $"'{address}' is not a valid address: {check.Error}");
        }

        return (caller, grains.GetGrain<IContactGrain>(caller.Tenant + "/" + check.Normalized));
    }

    private Task<Grains.Contacts.AttributeSchema> SchemaAsync(Caller caller) =>
        GrainErrors.Call(grains.GetGrain<IContactSchemaGrain>(caller.Tenant + "/contact-schema").Get);

    private static SuppressionReason ParseReason(string text, string field) => text switch
    {
        "unsubscribed" => SuppressionReason.Unsubscribed,
        "hard_bounced" => SuppressionReason.HardBounced,
        "complained" => SuppressionReason.Complained,
        "manual" => SuppressionReason.Manual,
        _ => throw new InvalidArgumentException(field, $"'{text}' is not a suppression reason; use unsubscribed, hard_bounced, complained or manual"),
    };
}
