using Google.Protobuf.WellKnownTypes;
using MailMesh.Api.Authentication;
using MailMesh.Api.V1;
using MailMesh.Grains.Sharing;
using MailMesh.Grpc;
using MailMesh.Runtime;
using MailMesh.Runtime.Storage;
using GrainConversation = MailMesh.Grains.Sharing.Conversation;
using GrainStatus = MailMesh.Grains.Sharing.ConversationStatus;
using ProtoStatus = MailMesh.Api.V1.ConversationStatus;

namespace MailMesh.Api.Services;

/// <summary><c>mailmesh.v1.Sharing</c>: members, conversations, SLA policy and the audit trail of a mailbox.</summary>
internal sealed partial class SharingApi(ApiAuthenticator auth, IGrainFactory grains, IEventLog events)
{
    private readonly MailboxGate _gate = new(auth, grains);

    public void Map(GrpcServiceBuilder builder) => builder
        .MapUnary<SetMemberRequest, Member>("SetMember", SetMember)
        .MapUnary<RemoveMemberRequest, RemoveMemberResponse>("RemoveMember", RemoveMember)
        .MapUnary<ListMembersRequest, ListMembersResponse>("ListMembers", ListMembers)
        .MapUnary<GetConversationRequest, V1.Conversation>("GetConversation", GetConversation)
        .MapUnary<ListConversationsRequest, ListConversationsResponse>("ListConversations", ListConversations)
        .MapUnary<UpdateConversationRequest, V1.Conversation>("UpdateConversation", UpdateConversation)
        .MapUnary<AddNoteRequest, Note>("AddNote", AddNote)
        .MapUnary<GetSlaPolicyRequest, V1.SlaPolicy>("GetSlaPolicy", GetSlaPolicy)
        .MapUnary<SetSlaPolicyRequest, V1.SlaPolicy>("SetSlaPolicy", SetSlaPolicy)
        .MapUnary<ListAuditRequest, ListAuditResponse>("ListAudit", ListAudit)
        .MapUnary<VerifyAuditRequest, VerifyAuditResponse>("VerifyAudit", VerifyAudit)
        .MapUnary<SendMessageRequest, SendMessageResponse>("SendMessage", SendMessage);

    private async Task<Member> SetMember(SetMemberRequest request, ServerCallContext context)
    {
        var call = await _gate.OpenAsync(context, ApiScopes.MailboxesWrite, request.Mailbox, MailboxAccess.Full, "mailbox").ConfigureAwait(false);
        var access = request.Access switch
        {
            AccessLevel.ReadOnly => MailboxAccess.ReadOnly,
            AccessLevel.SendAs => MailboxAccess.SendAs,
            AccessLevel.Full => MailboxAccess.Full,
            _ => throw new InvalidArgumentException("access", "must be ACCESS_LEVEL_READ_ONLY, ACCESS_LEVEL_SEND_AS or ACCESS_LEVEL_FULL"),
        };
        return ToProto(await MailboxGate.Call(() => call.Sharing.SetMember(call.Actor, request.User, access)).ConfigureAwait(false));
    }

    private async Task<RemoveMemberResponse> RemoveMember(RemoveMemberRequest request, ServerCallContext context)
    {
        var call = await _gate.OpenAsync(context, ApiScopes.MailboxesWrite, request.Mailbox, MailboxAccess.Full, "mailbox").ConfigureAwait(false);
        if (!await MailboxGate.Call(() => call.Sharing.RemoveMember(call.Actor, request.User)).ConfigureAwait(false))
        {
            throw new RpcException(StatusCode.NotFound, $"user '{request.User}' is not a member of mailbox '{request.Mailbox}'");
        }

        return new RemoveMemberResponse();
    }

    private async Task<ListMembersResponse> ListMembers(ListMembersRequest request, ServerCallContext context)
    {
        var call = await _gate.OpenAsync(context, ApiScopes.MailboxesRead, request.Mailbox, MailboxAccess.Full, "mailbox").ConfigureAwait(false);
        var response = new ListMembersResponse();
        response.Members.AddRange((await MailboxGate.Call(call.Sharing.ListMembers).ConfigureAwait(false)).Select(ToProto));
        return response;
    }

    private async Task<V1.Conversation> GetConversation(GetConversationRequest request, ServerCallContext context)
    {
        var call = await _gate.OpenAsync(context, ApiScopes.MailboxesRead, request.Mailbox, MailboxAccess.ReadOnly, "mailbox").ConfigureAwait(false);
        return ToProto(await MailboxGate.Call(() => call.Sharing.GetConversation(request.ConversationId)).ConfigureAwait(false));
    }

    private async Task<ListConversationsResponse> ListConversations(ListConversationsRequest request, ServerCallContext context)
    {
        var call = await _gate.OpenAsync(context, ApiScopes.MailboxesRead, request.Mailbox, MailboxAccess.ReadOnly, "mailbox").ConfigureAwait(false);
        var size = request.PageSize == 0 ? 100 : request.PageSize;
        var after = request.PageToken.Length == 0 ? null : Token.Decode(request.PageToken, "page_token");
        var page = await MailboxGate.Call(() => call.Sharing.ListConversations(
            FromProto(request.Status), request.Assignee.Length == 0 ? null : request.Assignee, after, size)).ConfigureAwait(false);
        var response = new ListConversationsResponse { NextPageToken = page.NextAfter is null ? "" : Token.Encode(page.NextAfter) };
        response.Conversations.AddRange(page.Conversations.Select(ToProto));
        return response;
    }

    private async Task<V1.Conversation> UpdateConversation(UpdateConversationRequest request, ServerCallContext context)
    {
        var call = await _gate.OpenAsync(context, ApiScopes.MailboxesWrite, request.Mailbox, MailboxAccess.SendAs, "mailbox").ConfigureAwait(false);
        var unknown = request.UpdateMask.FirstOrDefault(f => f is not ("status" or "assignee"));
        if (unknown is not null)
        {
            throw new InvalidArgumentException("update_mask", $"'{unknown}' is not an updatable field; use status and/or assignee");
        }

        var setAssignee = request.UpdateMask.Contains("assignee") || (request.UpdateMask.Count == 0 && request.Assignee.Length > 0);
        var status = FromProto(request.Status);
        if (request.UpdateMask.Contains("status") && status is null)
        {
            throw new InvalidArgumentException("status", "update_mask names status, so give CONVERSATION_STATUS_OPEN, _PENDING or _CLOSED");
        }

        if (status is null && !setAssignee)
        {
            throw new InvalidArgumentException("update_mask", "nothing to change: give a status and/or an assignee");
        }

        return ToProto(await MailboxGate.Call(() => call.Sharing.UpdateConversation(
            call.Actor, request.ConversationId, status, setAssignee ? request.Assignee : null)).ConfigureAwait(false));
    }

    private async Task<Note> AddNote(AddNoteRequest request, ServerCallContext context)
    {
        var call = await _gate.OpenAsync(context, ApiScopes.MailboxesWrite, request.Mailbox, MailboxAccess.SendAs, "mailbox").ConfigureAwait(false);
        return ToProto(await MailboxGate.Call(() => call.Sharing.AddNote(call.Actor, request.ConversationId, request.Text)).ConfigureAwait(false));
    }

    private async Task<V1.SlaPolicy> GetSlaPolicy(GetSlaPolicyRequest request, ServerCallContext context)
    {
        var call = await _gate.OpenAsync(context, ApiScopes.MailboxesRead, request.Mailbox, MailboxAccess.ReadOnly, "mailbox").ConfigureAwait(false);
        return ToProto(await MailboxGate.Call(call.Sharing.GetSlaPolicy).ConfigureAwait(false));
    }

    private async Task<V1.SlaPolicy> SetSlaPolicy(SetSlaPolicyRequest request, ServerCallContext context)
    {
        var call = await _gate.OpenAsync(context, ApiScopes.MailboxesWrite, request.Mailbox, MailboxAccess.Full, "mailbox").ConfigureAwait(false);
        if (request.FirstResponseSeconds is < 0 or > 31_536_000 or (> 0 and < 60))
        {
            throw new InvalidArgumentException("first_response_seconds", $"must be 60-31536000, or 0 to clear the target; not {request.FirstResponseSeconds}");
        }

        TimeSpan? target = request.FirstResponseSeconds == 0 ? null : TimeSpan.FromSeconds(request.FirstResponseSeconds);
        return ToProto(await MailboxGate.Call(() => call.Sharing.SetSlaPolicy(call.Actor, target, request.AppliesSince?.ToDateTimeOffset())).ConfigureAwait(false));
    }

    private static Member ToProto(MailboxMember m) => new()
    {
        User = m.User, Access = ToProto(m.Access), ChangedAt = Timestamp.FromDateTimeOffset(m.ChangedAt), ChangedBy = m.ChangedBy,
    };

    private static AccessLevel ToProto(MailboxAccess access) => access switch
    {
        MailboxAccess.ReadOnly => AccessLevel.ReadOnly,
        MailboxAccess.SendAs => AccessLevel.SendAs,
        MailboxAccess.Full => AccessLevel.Full,
        _ => AccessLevel.Unspecified,
    };

    private static GrainStatus? FromProto(ProtoStatus status) => status switch
    {
        ProtoStatus.Open => GrainStatus.Open,
        ProtoStatus.Pending => GrainStatus.Pending,
        ProtoStatus.Closed => GrainStatus.Closed,
        ProtoStatus.Unspecified => null,
        _ => throw new InvalidArgumentException("status", $"{status} is not a conversation status"),
    };

    private static V1.Conversation ToProto(GrainConversation c)
    {
        var proto = new V1.Conversation
        {
            Id = c.Id,
            Status = c.Status switch { GrainStatus.Pending => ProtoStatus.Pending, GrainStatus.Closed => ProtoStatus.Closed, _ => ProtoStatus.Open },
            Assignee = c.Assignee ?? "",
            SlaBreachedAt = c.SlaBreachedAt is { } b ? Timestamp.FromDateTimeOffset(b) : null,
            UpdatedAt = c.UpdatedAt is { } u ? Timestamp.FromDateTimeOffset(u) : null,
        };
        proto.Notes.AddRange(c.Notes.Select(ToProto));
        return proto;
    }

    private static Note ToProto(ConversationNote n) => new() { Id = n.Id, Author = n.Author, At = Timestamp.FromDateTimeOffset(n.At), Text = n.Text };

    private static V1.SlaPolicy ToProto(Grains.Sharing.SlaPolicy p) => new()
    {
        FirstResponseSeconds = (long)(p.FirstResponse?.TotalSeconds ?? 0), AppliesSince = Timestamp.FromDateTimeOffset(p.AppliesSince),
    };

    /// <summary>Opaque page tokens (base64url of the position).</summary>
    private static class Token
    {
        public static string Encode(string position) => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(position));

        public static string Decode(string token, string field)
        {
            try
            {
                return System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(token));
            }
            catch (FormatException)
            {
                throw new InvalidArgumentException(field, "is not a next_page_token returned by this call");
            }
        }
    }
}
