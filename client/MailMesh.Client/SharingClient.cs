using Google.Protobuf.Reflection;
using MailMesh.Api.V1;

namespace MailMesh.Client;

/// <summary>Calls <c>mailmesh.v1.Sharing</c>: members, conversations, SLA policy and the audit trail of a mailbox.
/// To act for a user, send the header <see cref="UserHeader"/> (see <see cref="ForUser"/>); the key needs the scope
/// <c>mailboxes:delegate</c>.</summary>
public sealed class SharingClient(GrpcChannel channel)
{
    /// <summary>The header naming the user a key acts for.</summary>
    public const string UserHeader = "x-mailmesh-user";

    private static readonly ServiceDescriptor Service = SharingReflection.Descriptor.Services.Single(s => s.Name == "Sharing");

    /// <summary>Call options that act for <paramref name="user"/> (on any Mailboxes or Sharing call).</summary>
    public static CallOptions ForUser(string user, TimeSpan? timeout = null) =>
        new() { Headers = new CallMetadata().Add(UserHeader, user), Timeout = timeout };

    /// <summary>Adds a member or changes its level.</summary>
    public Task<Member> SetMemberAsync(SetMemberRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<SetMemberRequest, Member>(Service.FindMethodByName("SetMember"), request, options, cancellationToken);

    /// <summary>Removes a member.</summary>
    public Task<RemoveMemberResponse> RemoveMemberAsync(RemoveMemberRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<RemoveMemberRequest, RemoveMemberResponse>(Service.FindMethodByName("RemoveMember"), request, options, cancellationToken);

    /// <summary>Lists the members.</summary>
    public Task<ListMembersResponse> ListMembersAsync(ListMembersRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<ListMembersRequest, ListMembersResponse>(Service.FindMethodByName("ListMembers"), request, options, cancellationToken);

    /// <summary>One conversation.</summary>
    public Task<Conversation> GetConversationAsync(GetConversationRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<GetConversationRequest, Conversation>(Service.FindMethodByName("GetConversation"), request, options, cancellationToken);

    /// <summary>Lists conversations.</summary>
    public Task<ListConversationsResponse> ListConversationsAsync(ListConversationsRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<ListConversationsRequest, ListConversationsResponse>(Service.FindMethodByName("ListConversations"), request, options, cancellationToken);

    /// <summary>Sets status and/or assignee.</summary>
    public Task<Conversation> UpdateConversationAsync(UpdateConversationRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<UpdateConversationRequest, Conversation>(Service.FindMethodByName("UpdateConversation"), request, options, cancellationToken);

    /// <summary>Adds an internal note.</summary>
    public Task<Note> AddNoteAsync(AddNoteRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<AddNoteRequest, Note>(Service.FindMethodByName("AddNote"), request, options, cancellationToken);

    /// <summary>The response-time target.</summary>
    public Task<SlaPolicy> GetSlaPolicyAsync(GetSlaPolicyRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<GetSlaPolicyRequest, SlaPolicy>(Service.FindMethodByName("GetSlaPolicy"), request, options, cancellationToken);

    /// <summary>Sets or clears the response-time target.</summary>
    public Task<SlaPolicy> SetSlaPolicyAsync(SetSlaPolicyRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<SetSlaPolicyRequest, SlaPolicy>(Service.FindMethodByName("SetSlaPolicy"), request, options, cancellationToken);

    /// <summary>One page of the audit trail.</summary>
    public Task<ListAuditResponse> ListAuditAsync(ListAuditRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<ListAuditRequest, ListAuditResponse>(Service.FindMethodByName("ListAudit"), request, options, cancellationToken);

    /// <summary>Verifies the audit trail's hash chain.</summary>
    public Task<VerifyAuditResponse> VerifyAuditAsync(VerifyAuditRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<VerifyAuditRequest, VerifyAuditResponse>(Service.FindMethodByName("VerifyAudit"), request, options, cancellationToken);

    /// <summary>Sends a message from the mailbox's address (send-as; the acting user needs send_as or full access), or
    /// answers a stored message (reply_to_folder/reply_to_uid). Give a request_id to make a retry safe.</summary>
    public Task<SendMessageResponse> SendMessageAsync(SendMessageRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        channel.UnaryAsync<SendMessageRequest, SendMessageResponse>(Service.FindMethodByName("SendMessage"), request, options, cancellationToken);
}
