using Google.Protobuf;
using MailMesh.Api.V1;
using MailMesh.Grains.Mailboxes;
using MailMesh.Grains.Sharing;
using MailMesh.Grpc;

namespace MailMesh.Api.Services;

/// <summary>Messages: list/search, get (entry or parsed), raw download in chunks, flags, move.</summary>
internal sealed partial class MailboxesApi
{
    private const int DefaultMessagePage = 50;
    private const int DefaultPreview = 500;

    /// <summary>Raw downloads travel in chunks of this size (one grain call and one gRPC message each).</summary>
    private const int RawChunkSize = 1024 * 1024;

    private async Task<ListMessagesResponse> ListMessages(ListMessagesRequest request, ServerCallContext context)
    {
        var call = await OpenAsync(context, ApiScopes.MailboxesRead, request.Name, MailboxAccess.ReadOnly).ConfigureAwait(false);
        var grain = call.Mailbox;
        var size = request.PageSize == 0 ? DefaultMessagePage : request.PageSize;
        if (size is < 1 or > MessageQuery.MaxLimit)
        {
            throw new InvalidArgumentException("page_size", $"must be 1-{MessageQuery.MaxLimit} (or 0 for {DefaultMessagePage}), not {request.PageSize}");
        }

        if (request.Folder.Length > 0)
        {
            CheckFolder(request.Folder);
        }

        var query = new MessageQuery(
            request.Folder.Length == 0 ? null : request.Folder, [.. request.WithFlags], [.. request.WithoutFlags],
            request.From, request.Subject, request.Since?.ToDateTimeOffset(), request.Before?.ToDateTimeOffset(), size,
            request.PageToken.Length == 0 ? null : request.PageToken)
        {
            Tag = request.Tag.Length == 0 ? null : request.Tag,
            Priority = request.Priority.Length == 0 ? null : request.Priority,
        };
        var page = await Call(() => grain.SearchMessages(query)).ConfigureAwait(false);
        var response = new ListMessagesResponse { NextPageToken = page.NextCursor ?? "" };
        response.Messages.AddRange(page.Messages.Select(ToProto));
        return response;
    }

    private async Task<MessageDetails> GetMessage(GetMessageRequest request, ServerCallContext context)
    {
        var call = await OpenAsync(context, ApiScopes.MailboxesRead, request.Name, MailboxAccess.ReadOnly).ConfigureAwait(false);
        var grain = call.Mailbox;
        CheckFolder(request.Folder);
        CheckUid(request.Uid);
        if (!request.Parse)
        {
            var entry = await Call(() => grain.GetMessage(request.Folder, request.Uid)).ConfigureAwait(false);
            await call.AuditAsync("message.read", $"{request.Folder}/{request.Uid}", new() { ["message_id"] = entry.MessageId ?? "" }).ConfigureAwait(false);
            return new MessageDetails { Message = ToProto(entry) };
        }

        var preview = request.PreviewLength == 0 ? DefaultPreview : request.PreviewLength;
        var summary = await Call(() => grain.GetMessageSummary(request.Folder, request.Uid, preview)).ConfigureAwait(false);
        await call.AuditAsync("message.read", $"{request.Folder}/{request.Uid}", new() { ["message_id"] = summary.Message.MessageId ?? "", ["parsed"] = "true" })
            .ConfigureAwait(false);
        var details = new MessageDetails { Message = ToProto(summary.Message), Root = ToProto(summary.Root), TextPreview = summary.TextPreview };
        details.Headers.AddRange(summary.Headers.Select(h => new V1.MessageHeader { Name = h.Name, Value = h.Value }));
        return details;
    }

    private async Task FetchRawMessage(FetchRawMessageRequest request, IServerStreamWriter<RawMessageChunk> responses, ServerCallContext context)
    {
        var call = await OpenAsync(context, ApiScopes.MailboxesRead, request.Name, MailboxAccess.ReadOnly).ConfigureAwait(false);
        var grain = call.Mailbox;
        CheckFolder(request.Folder);
        CheckUid(request.Uid);
        if (request.Offset < 0)
        {
            throw new InvalidArgumentException("offset", $"must not be negative, not {request.Offset}");
        }

        var entry = await Call(() => grain.GetMessage(request.Folder, request.Uid)).ConfigureAwait(false);
        if (request.Offset == 0)
        {
            // A resumed download (offset > 0) continues a read already recorded.
            await call.AuditAsync("message.read", $"{request.Folder}/{request.Uid}", new() { ["message_id"] = entry.MessageId ?? "", ["raw"] = "true" })
                .ConfigureAwait(false);
        }

        var offset = request.Offset;
        while (true)
        {
            var from = offset;
            var data = await Call(() => grain.ReadMessageRaw(request.Folder, request.Uid, from, RawChunkSize)).ConfigureAwait(false);
            if (data.Length == 0)
            {
                if (offset == request.Offset && offset > 0)
                {
                    throw new InvalidArgumentException("offset", $"{offset} is at or past the end of the message ({entry.Size} bytes)");
                }

                return;
            }

            await responses.WriteAsync(
                new RawMessageChunk { Offset = offset, Data = UnsafeByteOperations.UnsafeWrap(data), TotalSize = entry.Size },
                context.CancellationToken).ConfigureAwait(false);
            offset += data.Length;
            if (data.Length < RawChunkSize)
            {
                return;
            }
        }
    }

    private async Task<SetFlagsResponse> SetFlags(SetFlagsRequest request, ServerCallContext context)
    {
        var call = await OpenAsync(context, ApiScopes.MailboxesWrite, request.Name, MailboxAccess.SendAs).ConfigureAwait(false);
        var grain = call.Mailbox;
        CheckFolder(request.Folder);
        CheckUid(request.Uid);
        CheckFlagList(request.Add, "add");
        CheckFlagList(request.Remove, "remove");
        if (request.Add.Count + request.Remove.Count == 0)
        {
            throw new InvalidArgumentException("add", "give at least one flag to add or remove");
        }

        // The existence check answers NOT_FOUND for an unknown folder or UID before the server is contacted.
        await Call(() => grain.GetMessage(request.Folder, request.Uid)).ConfigureAwait(false);
        var flags = await Call(() => grain.SetFlags(request.Folder, request.Uid, [.. request.Add], [.. request.Remove])).ConfigureAwait(false);
        var target = $"{request.Folder}/{request.Uid}";
        await call.AuditAsync("message.flagged", target, new() { ["add"] = string.Join(' ', request.Add), ["remove"] = string.Join(' ', request.Remove) })
            .ConfigureAwait(false);
        if (request.Add.Contains("\\Answered", StringComparer.OrdinalIgnoreCase))
        {
            await call.AuditAsync("message.replied", target).ConfigureAwait(false);
        }

        var response = new SetFlagsResponse();
        response.Flags.AddRange(flags);
        return response;
    }

    private async Task<MoveMessageResponse> MoveMessage(MoveMessageRequest request, ServerCallContext context)
    {
        var call = await OpenAsync(context, ApiScopes.MailboxesWrite, request.Name, MailboxAccess.SendAs).ConfigureAwait(false);
        var grain = call.Mailbox;
        CheckFolder(request.Folder);
        CheckUid(request.Uid);
        CheckFolder(request.Destination, "destination");
        var moved = await Call(() => grain.Move(request.Folder, request.Uid, request.Destination)).ConfigureAwait(false);
        await call.AuditAsync("message.moved", $"{request.Folder}/{request.Uid}", new()
        {
            ["to"] = request.Destination, ["to_uid"] = moved.Uid.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }).ConfigureAwait(false);
        return new MoveMessageResponse { Folder = moved.Folder, UidValidity = moved.UidValidity, Uid = moved.Uid, Indexed = moved.Indexed };
    }

    private static void CheckFlagList(IReadOnlyCollection<string> flags, string field)
    {
        if (flags.Count > MessageQuery.MaxFlags)
        {
            throw new InvalidArgumentException(field, $"has {flags.Count} flags; at most {MessageQuery.MaxFlags} are allowed");
        }

        var bad = flags.FirstOrDefault(f => f.Length is 0 or > 100 || f.Any(c => c <= ' ' || c >= 127 || c is '(' or ')' or '{' or '"' or '%' or '*'));
        if (bad is not null)
        {
            throw new InvalidArgumentException(field, $"'{bad}' is not an IMAP flag (1-100 printable ASCII characters, no spaces, parentheses or quotes)");
        }
    }

    private static MessageEntry ToProto(MessageInfo m)
    {
        var entry = new MessageEntry
        {
            Folder = m.Folder, FolderId = m.FolderId, UidValidity = m.UidValidity, Uid = m.Uid, From = m.From ?? "", To = m.To ?? "",
            Subject = m.Subject ?? "", Date = Time(m.Date), Size = m.Size, MessageId = m.MessageId ?? "", InReplyTo = m.InReplyTo ?? "",
            References = m.References ?? "", ConversationId = m.ConversationId, Priority = m.Priority ?? "",
        };
        entry.Flags.AddRange(m.Flags);
        entry.Tags.AddRange(m.Tags);
        return entry;
    }

    private static MessagePart ToProto(MessagePartInfo p)
    {
        var part = new MessagePart
        {
            Path = p.Path, ContentType = p.ContentType, FileName = p.FileName ?? "", Disposition = p.Disposition ?? "", ContentId = p.ContentId ?? "", Size = p.Size,
        };
        part.Parts.AddRange(p.Children.Select(ToProto));
        return part;
    }
}
