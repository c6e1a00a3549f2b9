using Google.Protobuf.WellKnownTypes;
using MailMesh.Api.V1;
using MailMesh.Grains.Sharing;
using MailMesh.Grpc;

namespace MailMesh.Api.Services;

/// <summary><c>SendMessage</c>: send-as for members with send_as or full access.</summary>
internal sealed partial class SharingApi
{
    private async Task<SendMessageResponse> SendMessage(SendMessageRequest request, ServerCallContext context)
    {
        var call = await _gate.OpenAsync(context, ApiScopes.MailboxesWrite, request.Mailbox, MailboxAccess.SendAs, "mailbox").ConfigureAwait(false);
        var reply = request.ReplyToFolder.Length > 0;
        if (reply && request.ReplyToUid == 0)
        {
            throw new InvalidArgumentException("reply_to_uid", "must be a UID (1 or more) when reply_to_folder is given");
        }

        if (!reply && request.ReplyToUid != 0)
        {
            throw new InvalidArgumentException("reply_to_folder", "must name the folder of reply_to_uid");
        }

        var send = new SendMailRequest(
            [.. request.To], [.. request.Cc], [.. request.Bcc], request.Subject, request.Text,
            reply ? request.ReplyToFolder : null, reply ? request.ReplyToUid : null, request.RequestId.Length == 0 ? null : request.RequestId);
        var sent = await MailboxGate.Call(() => call.Sharing.Send(call.Actor, send)).ConfigureAwait(false);
        var response = new SendMessageResponse
        {
            MessageId = sent.MessageId, ServerReply = sent.ServerReply, SentAt = Timestamp.FromDateTimeOffset(sent.SentAt),
            ConversationId = sent.ConversationId ?? "", Repeated = sent.Repeated, Note = sent.Note ?? "",
        };
        response.Recipients.AddRange(sent.Recipients);
        return response;
    }
}
