using System.Text;
using Google.Protobuf.WellKnownTypes;
using MailMesh.Api.Authentication;
using MailMesh.Api.Internal;
using MailMesh.Api.V1;
using MailMesh.Grains.Mailboxes;
using MailMesh.Grains.Sharing;
using MailMesh.Grpc;
using MailMesh.Runtime;
using MailboxSource = MailMesh.Api.V1.MailboxSource;

namespace MailMesh.Api.Services;

/// <summary><c>mailmesh.v1.Mailboxes</c> over <see cref="IMailboxGrain"/>; every grain key starts with the caller's tenant,
/// so another tenant's mailbox is simply not found.</summary>
internal sealed partial class MailboxesApi(ApiAuthenticator auth, IGrainFactory grains)
{
    private readonly MailboxGate _gate = new(auth, grains);

    private const int DefaultPageSize = 100;
    private const int MaxPageSize = 1000;

    public void Map(GrpcServiceBuilder builder) => builder
        .MapUnary<CreateMailboxRequest, Mailbox>("Create", Create)
        .MapUnary<GetMailboxRequest, Mailbox>("Get", Get)
        .MapUnary<ListMailboxesRequest, ListMailboxesResponse>("List", List)
        .MapUnary<UpdateMailboxRequest, Mailbox>("Update", Update)
        .MapUnary<DeleteMailboxRequest, DeleteMailboxResponse>("Delete", Delete)
        .MapUnary<SetSourceRequest, MailboxSource>("SetSource", SetSource)
        .MapUnary<GetSourceRequest, MailboxSource>("GetSource", GetSource)
        .MapUnary<RemoveSourceRequest, RemoveSourceResponse>("RemoveSource", RemoveSource)
        .MapUnary<SyncRequest, SyncResponse>("Sync", Sync)
        .MapUnary<GetSyncStatusRequest, SyncStatus>("GetSyncStatus", GetSyncStatus)
        .MapUnary<ListFoldersRequest, ListFoldersResponse>("ListFolders", ListFolders)
        .MapUnary<ListMessagesRequest, ListMessagesResponse>("ListMessages", ListMessages)
        .MapUnary<GetMessageRequest, MessageDetails>("GetMessage", GetMessage)
        .MapServerStreaming<FetchRawMessageRequest, RawMessageChunk>("FetchRawMessage", FetchRawMessage)
        .MapUnary<SetFlagsRequest, SetFlagsResponse>("SetFlags", SetFlags)
        .MapUnary<MoveMessageRequest, MoveMessageResponse>("MoveMessage", MoveMessage);

    private async Task<Mailbox> Create(CreateMailboxRequest request, ServerCallContext context)
    {
        var (caller, user) = await _gate.AuthenticateAsync(context, ApiScopes.MailboxesWrite).ConfigureAwait(false);
        var grain = Grain(caller, request.Name);
        var created = await GrainErrors.Call(() => grain.Create(new CreateMailbox(request.DisplayName, request.Address.Length == 0 ? null : request.Address)))
            .ConfigureAwait(false);
        var actor = user ?? "key:" + caller.KeyId;
        var sharing = grains.GetGrain<IMailboxSharingGrain>($"{caller.Tenant}/{request.Name}");
        await MailboxGate.Call(() => sharing.RecordAudit(new AuditAction(actor, "mailbox.created", request.Name))).ConfigureAwait(false);
        if (user is not null)
        {
            // A user who creates a mailbox can manage it.
            await MailboxGate.Call(() => sharing.SetMember(actor, user, MailboxAccess.Full)).ConfigureAwait(false);
        }

        return ToProto(created);
    }

    private async Task<Mailbox> Get(GetMailboxRequest request, ServerCallContext context)
    {
        var call = await OpenAsync(context, ApiScopes.MailboxesRead, request.Name, MailboxAccess.ReadOnly).ConfigureAwait(false);
        var found = await Call(call.Mailbox.Get).ConfigureAwait(false)
            ?? throw new RpcException(StatusCode.NotFound, $"mailbox '{request.Name}' does not exist");
        return ToProto(found);
    }

    private async Task<Mailbox> Update(UpdateMailboxRequest request, ServerCallContext context)
    {
        var call = await OpenAsync(context, ApiScopes.MailboxesWrite, request.Name, MailboxAccess.Full).ConfigureAwait(false);
        var grain = call.Mailbox;
        var mask = request.UpdateMask.Count == 0 ? ["display_name", "address"] : request.UpdateMask.ToList();
        var unknown = mask.FirstOrDefault(f => f is not ("display_name" or "address"));
        if (unknown is not null)
        {
            throw new InvalidArgumentException("update_mask", $"'{unknown}' is not an updatable field; use display_name and/or address");
        }

        var update = new UpdateMailbox(mask.Contains("display_name") ? request.DisplayName : null, mask.Contains("address") ? request.Address : null);
        var updated = await Call(() => grain.Update(update)).ConfigureAwait(false);
        await call.AuditAsync("mailbox.updated", request.Name, new() { ["fields"] = string.Join(',', mask) }).ConfigureAwait(false);
        return ToProto(updated);
    }

    private async Task<DeleteMailboxResponse> Delete(DeleteMailboxRequest request, ServerCallContext context)
    {
        var call = await OpenAsync(context, ApiScopes.MailboxesWrite, request.Name, MailboxAccess.Full).ConfigureAwait(false);
        var grain = call.Mailbox;
        await Call(grain.Delete).ConfigureAwait(false);
        await Call(() => call.Sharing.Reset(call.Actor)).ConfigureAwait(false);
        return new DeleteMailboxResponse();
    }

    private async Task<ListMailboxesResponse> List(ListMailboxesRequest request, ServerCallContext context)
    {
        var (caller, user) = await _gate.AuthenticateAsync(context, ApiScopes.MailboxesRead).ConfigureAwait(false);
        var size = request.PageSize == 0 ? DefaultPageSize : request.PageSize;
        if (size is < 1 or > MaxPageSize)
        {
            throw new InvalidArgumentException("page_size", $"must be 1-{MaxPageSize} (or 0 for {DefaultPageSize}), not {request.PageSize}");
        }

        var after = DecodeToken(request.PageToken);
        var directory = grains.GetGrain<IMailboxDirectoryGrain>(caller.Tenant + "/mailboxes");
        // One more than the page tells whether another page follows (the directory serves at most 1000).
        var ask = Math.Min(size + 1, MaxPageSize);
        var names = await GrainErrors.Call(() => directory.List(after, ask)).ConfigureAwait(false);
        var page = names.Take(size).ToList();
        var infos = await Task.WhenAll(page.Select(n => GrainErrors.Call(grains.GetGrain<IMailboxGrain>($"{caller.Tenant}/{n}").Get))).ConfigureAwait(false);
        var response = new ListMailboxesResponse();
        // A user sees the mailboxes it is a member of; the key itself sees all of its tenant's.
        var visible = await Task.WhenAll(infos.Select(i => i is null ? Task.FromResult(false) : _gate.CanSeeAsync(caller.Tenant, i.Name, user))).ConfigureAwait(false);
        response.Mailboxes.AddRange(infos.Where((_, i) => visible[i]).OfType<MailboxInfo>().Select(ToProto));
        if (names.Count > size || (names.Count == MaxPageSize && size == MaxPageSize))
        {
            response.NextPageToken = Convert.ToBase64String(Encoding.UTF8.GetBytes(page[^1]));
        }

        return response;
    }

    private IMailboxGrain Grain(Caller caller, string name)
    {
        if (name.Length == 0)
        {
            throw new InvalidArgumentException("name", "must not be empty");
        }

        if (name.Length > GrainKey.MaxRestLength)
        {
            throw new InvalidArgumentException("name", $"is {name.Length} characters long; at most {GrainKey.MaxRestLength} are allowed");
        }

        var bad = name.FirstOrDefault(c => c == '/' || char.IsControl(c));
        if (bad != default)
        {
            throw new InvalidArgumentException("name", $"must not contain {(bad == '/' ? "'/'" : $"the control character U+{(int)bad:X4}")}");
        }

        return grains.GetGrain<IMailboxGrain>($"{caller.Tenant}/{name}");
    }

    private static string? DecodeToken(string token)
    {
        if (token.Length == 0)
        {
            return null;
        }

        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(token));
        }
        catch (FormatException)
        {
            throw new InvalidArgumentException("page_token", "is not a token returned by List");
        }
    }

    private static Mailbox ToProto(MailboxInfo m) => new()
    {
        Tenant = m.Tenant,
        Name = m.Name,
        DisplayName = m.DisplayName,
        Address = m.Address ?? "",
        CreatedAt = Timestamp.FromDateTimeOffset(m.CreatedAt),
    };
}
