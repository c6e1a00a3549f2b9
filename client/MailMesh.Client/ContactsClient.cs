using Google.Protobuf;
using Google.Protobuf.Reflection;
using MailMesh.Api.V1;

namespace MailMesh.Client;

/// <summary><c>mailmesh.v1.Contacts</c>: contacts, lists, consent, suppression, the attribute schema and imports.</summary>
public sealed class ContactsClient(GrpcChannel channel)
{
    /// <summary>Size of the chunks <see cref="ImportFileAsync"/> uploads.</summary>
    public const int ChunkSize = 1024 * 1024;

    private static readonly ServiceDescriptor Service = ContactsReflection.Descriptor.Services.Single(s => s.Name == "Contacts");

    /// <summary>Creates a contact.</summary>
    public Task<Contact> CreateAsync(CreateContactRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<CreateContactRequest, Contact>(Service.FindMethodByName("Create"), request, options, cancellationToken);

    /// <summary>Changes a contact (or creates it with create_if_missing).</summary>
    public Task<Contact> UpdateAsync(UpdateContactRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<UpdateContactRequest, Contact>(Service.FindMethodByName("Update"), request, options, cancellationToken);

    /// <summary>One contact.</summary>
    public Task<Contact> GetAsync(GetContactRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<GetContactRequest, Contact>(Service.FindMethodByName("Get"), request, options, cancellationToken);

    /// <summary>Deletes a contact.</summary>
    public Task<DeleteContactResponse> DeleteAsync(DeleteContactRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<DeleteContactRequest, DeleteContactResponse>(Service.FindMethodByName("Delete"), request, options, cancellationToken);

    /// <summary>Everything held about a contact, as one JSON document (GDPR access and portability); audited.</summary>
    public Task<ExportContactResponse> ExportAsync(ExportContactRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<ExportContactRequest, ExportContactResponse>(Service.FindMethodByName("Export"), request, options, cancellationToken);

    /// <summary>Forgets a person (GDPR erasure) and keeps the address's keyed hash on the block list; audited.</summary>
    public Task<EraseContactResponse> EraseAsync(EraseContactRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<EraseContactRequest, EraseContactResponse>(Service.FindMethodByName("Erase"), request, options, cancellationToken);

    /// <summary>A page of contacts in address order.</summary>
    public Task<ListContactsResponse> ListAsync(ListContactsRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<ListContactsRequest, ListContactsResponse>(Service.FindMethodByName("List"), request, options, cancellationToken);

    /// <summary>Unsubscribes from a list or from everything.</summary>
    public Task<Contact> UnsubscribeAsync(UnsubscribeContactRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<UnsubscribeContactRequest, Contact>(Service.FindMethodByName("Unsubscribe"), request, options, cancellationToken);

    /// <summary>Suppresses for all mail.</summary>
    public Task<Contact> SuppressAsync(SuppressContactRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<SuppressContactRequest, Contact>(Service.FindMethodByName("Suppress"), request, options, cancellationToken);

    /// <summary>Lifts a suppression.</summary>
    public Task<Contact> UnsuppressAsync(UnsuppressContactRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<UnsuppressContactRequest, Contact>(Service.FindMethodByName("Unsuppress"), request, options, cancellationToken);

    /// <summary>The tenant's attribute schema.</summary>
    public Task<AttributeSchema> GetSchemaAsync(GetAttributeSchemaRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<GetAttributeSchemaRequest, AttributeSchema>(Service.FindMethodByName("GetSchema"), request, options, cancellationToken);

    /// <summary>Adds an attribute to the schema.</summary>
    public Task<AttributeSchema> DefineAttributeAsync(DefineAttributeRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<DefineAttributeRequest, AttributeSchema>(Service.FindMethodByName("DefineAttribute"), request, options, cancellationToken);

    /// <summary>Checks an address (validity, normalized form, typo suggestion, role address).</summary>
    public Task<CheckAddressResponse> CheckAddressAsync(CheckAddressRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<CheckAddressRequest, CheckAddressResponse>(Service.FindMethodByName("CheckAddress"), request, options, cancellationToken);

    /// <summary>Creates an import (then upload chunks and start it; see ImportFileAsync).</summary>
    public Task<ImportStatus> CreateImportAsync(CreateImportRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<CreateImportRequest, ImportStatus>(Service.FindMethodByName("CreateImport"), request, options, cancellationToken);

    /// <summary>Stores the next chunk of an import's file.</summary>
    public Task<UploadImportChunkResponse> UploadImportChunkAsync(UploadImportChunkRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<UploadImportChunkRequest, UploadImportChunkResponse>(Service.FindMethodByName("UploadImportChunk"), request, options, cancellationToken);

    /// <summary>Ends the upload and starts applying rows.</summary>
    public Task<ImportStatus> StartImportAsync(StartImportRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<StartImportRequest, ImportStatus>(Service.FindMethodByName("StartImport"), request, options, cancellationToken);

    /// <summary>Progress and counts of an import.</summary>
    public Task<ImportStatus> GetImportAsync(GetImportRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<GetImportRequest, ImportStatus>(Service.FindMethodByName("GetImport"), request, options, cancellationToken);

    /// <summary>Per-row errors and warnings of an import.</summary>
    public Task<ListImportIssuesResponse> ListImportIssuesAsync(ListImportIssuesRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<ListImportIssuesRequest, ListImportIssuesResponse>(Service.FindMethodByName("ListImportIssues"), request, options, cancellationToken);

    /// <summary>Stops an import after its current step.</summary>
    public Task<ImportStatus> CancelImportAsync(CancelImportRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<CancelImportRequest, ImportStatus>(Service.FindMethodByName("CancelImport"), request, options, cancellationToken);

    /// <summary>Creates an import, uploads <paramref name="file"/> in chunks (reporting the bytes sent) and starts it;
    /// returns the status after the start. Follow it with <see cref="GetImportAsync"/>.</summary>
    public async Task<ImportStatus> ImportFileAsync(
        CreateImportRequest request, Stream file, IProgress<long>? uploaded = null, CallOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(file);
        var created = await CreateImportAsync(request, options, cancellationToken).ConfigureAwait(false);
        var buffer = new byte[ChunkSize];
        long offset = 0;
        while (true)
        {
            var read = await file.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            var chunk = new UploadImportChunkRequest { ImportId = created.ImportId, Offset = offset, Data = ByteString.CopyFrom(buffer, 0, read) };
            offset = (await UploadImportChunkAsync(chunk, options, cancellationToken).ConfigureAwait(false)).BytesReceived;
            uploaded?.Report(offset);
        }

        return await StartImportAsync(new StartImportRequest { ImportId = created.ImportId, TotalBytes = offset }, options, cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>Reaches the contacts service from a <see cref="MailMeshClient"/>.</summary>
public static class MailMeshClientContactsExtensions
{
    /// <summary>The <c>mailmesh.v1.Contacts</c> client over this client's channel.</summary>
    public static ContactsClient Contacts(this MailMeshClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        return new ContactsClient(client.Channel);
    }
}
