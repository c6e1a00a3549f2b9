using System.Globalization;
using System.Text;
using System.Text.Json;
using MailMesh.Blobs;
using MailMesh.Grains.Effects;
using MailMesh.Grains.Mailboxes.Sync;
using MailMesh.Mime;
using MailMesh.Protocols;
using MailMesh.Protocols.Imap;

namespace MailMesh.Grains.Mailboxes;

/// <summary>Messages of the index: search, one message (row, parsed summary, raw bytes), move; and run progress.</summary>
public sealed partial class MailboxGrain
{
    /// <summary>Largest chunk <see cref="ReadMessageRaw"/> returns.</summary>
    public const int MaxRawChunk = 4 * 1024 * 1024;

    /// <summary>Longest text preview.</summary>
    public const int MaxPreviewLength = 10_000;

    private const string CursorVersion = "m1";

    /// <summary>The side effect of <see cref="Move"/> (docs/adr/cluster-04-side-effect-records.md).</summary>
    private const string MoveEffect = "imap.move";

    /// <inheritdoc />
    public async Task<long> RequestSync()
    {
        RequireMailbox();
        var running = _run is not null;
        await SyncNow();
        return syncState.State.Status.Runs + (running ? 2 : 1);
    }

    /// <inheritdoc />
    public Task<SyncProgress?> GetSyncProgress()
    {
        RequireMailbox();
        if (_run is not { } run)
        {
            return Task.FromResult<SyncProgress?>(null);
        }

        var total = syncState.State.Folders.Count;
        var pending = run.PendingFolders.Count + (run.Current is null ? 0 : 1);
        var remaining = run.Current is { } work ? work.NewUids.Count - work.Next : 0;
        var folder = run.Current is { } current && syncState.State.Folders.TryGetValue(current.FolderId, out var cursor) ? cursor.Name : null;
        return Task.FromResult<SyncProgress?>(new SyncProgress(total, Math.Max(0, total - pending), run.New, run.New + remaining, folder));
    }

    /// <inheritdoc />
    public async Task<MessagePage> SearchMessages(MessageQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        RequireMailbox();
        var services = RequireSync();
        ValidateQuery(query);
        var folder = query.Folder is null ? null : FolderNamed(query.Folder);
        var page = await services.Index.SearchAsync(GrainKey, new IndexSearch(
            query.Limit, folder?.Id, null, query.WithFlags, query.WithoutFlags, NullIfEmpty(query.From), NullIfEmpty(query.Subject),
            query.Since, query.Before, DecodeCursor(query.Cursor), NullIfEmpty(query.Tag), NullIfEmpty(query.Priority)));
        return new MessagePage(page.Rows.Select(ToInfo).ToList(), page.Next is { } next ? EncodeCursor(next) : null);
    }

    /// <inheritdoc />
    public async Task<MessageInfo> GetMessage(string folder, uint uid) => ToInfo(await FindRowAsync(folder, uid));

    /// <inheritdoc />
    public async Task<MessageSummary> GetMessageSummary(string folder, uint uid, int previewLength)
    {
        if (previewLength is < 0 or > MaxPreviewLength)
        {
            throw new ArgumentException($"preview_length {previewLength} must be 0-{MaxPreviewLength}.", "preview_length");
        }

        var row = await FindRowAsync(folder, uid);
        await using var download = await RequireSync().Blobs.OpenReadAsync(row.BlobName)
            ?? throw new MailboxItemNotFoundException($"The raw MIME of message {uid} in folder '{folder}' is not stored (blob {row.BlobName}).");
        using var message = await MimeMessage.LoadAsync(download.Content);
        var headers = message.Headers.Where(h => !h.IsInvalid).Select(h => new MessageHeader(h.Name, h.Value)).ToList();
        var text = message.GetTextOrRenderedHtml() ?? "";
        return new MessageSummary(ToInfo(row), headers, Describe(message.Body, ""), Preview(text, previewLength));
    }

    /// <inheritdoc />
    public async Task<byte[]> ReadMessageRaw(string folder, uint uid, long offset, int count)
    {
        if (offset < 0)
        {
            throw new ArgumentException($"offset {offset} must not be negative.", nameof(offset));
        }

        if (count is < 1 or > MaxRawChunk)
        {
            throw new ArgumentException($"count {count} must be 1-{MaxRawChunk}.", nameof(count));
        }

        var row = await FindRowAsync(folder, uid);
        var blobs = RequireSync().Blobs;
        var properties = await blobs.GetPropertiesAsync(row.BlobName)
            ?? throw new MailboxItemNotFoundException($"The raw MIME of message {uid} in folder '{folder}' is not stored (blob {row.BlobName}).");
        if (offset >= properties.Length)
        {
            return [];
        }

        var length = (int)Math.Min(count, properties.Length - offset);
        await using var download = await blobs.OpenReadAsync(row.BlobName, new BlobRange(offset, length))
            ?? throw new MailboxItemNotFoundException($"The raw MIME of message {uid} in folder '{folder}' is no longer stored.");
        var buffer = new byte[length];
        await download.Content.ReadExactlyAsync(buffer);
        return buffer;
    }

    /// <inheritdoc />
    public async Task<MovedMessage> Move(string folder, uint uid, string destination)
    {
        ArgumentException.ThrowIfNullOrEmpty(destination);
        RequireMailbox();
        var services = RequireSync();
        var source = syncState.State.Source
            ?? throw new MailboxSourceNotConfiguredException($"Mailbox '{GrainKey}' has no source; call ConfigureSource first.");
        if (source.Protocol != SourceProtocol.Imap)
        {
            throw new InvalidOperationException($"Mailbox '{GrainKey}' syncs from POP3, which has no folders to move messages between.");
        }

        if (string.Equals(destination, folder, StringComparison.Ordinal))
        {
            throw new ArgumentException($"destination '{destination}' is the folder the message is in already.", nameof(destination));
        }

        var from = FolderNamed(folder);
        var to = syncState.State.Folders.Values.FirstOrDefault(f => f.Name == destination);
        var effects = syncState.State.Effects;
        var key = SideEffects.KeyFor(MoveEffect);
        var earlier = key is null ? null : effects.Find(key);
        // A run of this delivered call started the MOVE and then its silo died: the row it read is in the record
        // (the index may already show the move), and the server tells whether the MOVE happened.
        var row = earlier is { Details: var details } && details.TryGetValue("row", out var stored)
            ? JsonSerializer.Deserialize<IndexedMessage>(stored)!
            : await FindRowAsync(folder, uid);
        await using var client = await SourceConnector.ConnectImapAsync(source, GrainKey, services, CancellationToken.None);
        if (to is null && !(await client.ListAsync("", destination)).Any(f => f.Name == destination && f.CanSelect))
        {
            throw new MailboxItemNotFoundException($"Destination folder '{destination}' does not exist on the server.");
        }

        var selected = await client.SelectAsync(folder);
        if (selected.Mailbox.UidValidity != from.UidValidity)
        {
            throw new InvalidOperationException($"Folder '{folder}' was recreated on the server (UIDVALIDITY {from.UidValidity} -> {selected.Mailbox.UidValidity}); sync it before moving messages.");
        }

        var (newValidity, newUid) = earlier is not null && (await client.UidSearchAsync("UID " + uid.ToString(CultureInfo.InvariantCulture))).Count == 0
            ? await FindMovedAsync(client, destination, row.MessageId)
            : await MoveOnServerAsync(client, key, folder, uid, destination, row);
        await client.LogoutAsync();
        var indexed = false;
        await services.Index.DeleteAsync(GrainKey, from.Id, from.UidValidity, [uid]);
        if (to is not null && newUid != 0 && newValidity == to.UidValidity)
        {
            // The same message under its new UID; the blob stays where it is (it belongs to the mailbox, not the folder).
            await services.Index.UpsertAsync([row with { FolderId = to.Id, Folder = to.Name, UidValidity = to.UidValidity, Uid = newUid, ModSeq = 0 }]);
            indexed = true;
            if (newUid == to.LastUid + 1)
            {
                // Nothing between the cursor and the new UID: the next sync has nothing to fetch for it.
                to.LastUid = newUid;
            }
            else if (newUid > to.LastUid && !to.IndexedAhead.Contains(newUid))
            {
                // Messages not synced yet lie between: the next sync fetches those and skips this one (no second
                // message.received for a message the mailbox already has).
                to.IndexedAhead.Add(newUid);
            }
        }
        else
        {
            await services.Blobs.DeleteAsync(row.BlobName);
        }

        RaiseEvent("message.moved", GrainKey, new
        {
            folderId = from.Id, folder, uidValidity = from.UidValidity, uid, messageId = row.MessageId,
            toFolderId = to?.Id, toFolder = destination, toUidValidity = newValidity, toUid = newUid,
        });
        if (key is not null)
        {
            effects.Complete(key, string.Create(CultureInfo.InvariantCulture, $"{destination}/{newValidity}/{newUid}"), TimeProvider.GetUtcNow());
        }

        await syncState.WriteStateAsync();
        return new MovedMessage(destination, newValidity, newUid, indexed);
    }

    /// <summary>UID MOVE, with a started record written first when the call can be delivered again; returns the
    /// message's UIDVALIDITY and UID in <paramref name="destination"/> (0/0 when the server did not say).</summary>
    private async Task<(uint UidValidity, uint Uid)> MoveOnServerAsync(ImapClient client, string? key, string folder, uint uid, string destination, IndexedMessage row)
    {
        if (key is not null && syncState.State.Effects.Find(key) is null)
        {
            var record = syncState.State.Effects.Start(key, MoveEffect, TimeProvider.GetUtcNow());
            record.Details["row"] = JsonSerializer.Serialize(row);
            await SideEffects.WriteLogAsync(syncState);
        }

        ImapCopyResult? copied;
        try
        {
            copied = await client.UidMoveAsync(ImapUidSet.Single(uid), destination);
        }
        catch (MailCommandException e)
        {
            if (key is not null)
            {
                // Refused: nothing moved, so the call may run again.
                syncState.State.Effects.Abandon(key);
                await SideEffects.WriteLogAsync(syncState);
            }

            throw new InvalidOperationException($"The server refused to move message {uid} from '{folder}' to '{destination}': {e.ResponseText}", e);
        }

        return (copied?.UidValidity ?? 0, copied?.GetUidMap().TryGetValue(uid, out var mapped) == true ? mapped : 0);
    }

    /// <summary>Where an interrupted MOVE put the message: found in <paramref name="destination"/> by its Message-ID
    /// (0/0 when it has none or is not there: then it was deleted from the source meanwhile).</summary>
    private static async Task<(uint UidValidity, uint Uid)> FindMovedAsync(ImapClient client, string destination, string? messageId)
    {
        if (string.IsNullOrEmpty(messageId))
        {
            return (0, 0);
        }

        var (validity, found) = await FindByMessageIdAsync(client, destination, messageId);
        return found.Count == 0 ? (0, 0) : (validity, found.Max());
    }

    private void RequireMailbox()
    {
        if (!state.RecordExists)
        {
            throw new MailboxNotFoundException(GrainKey);
        }
    }

    private FolderCursor FolderNamed(string folder) =>
        syncState.State.Folders.Values.FirstOrDefault(f => f.Name == folder)
        ?? throw new MailboxItemNotFoundException($"Folder '{folder}' is not synced for mailbox '{Name}'.");

    private async Task<IndexedMessage> FindRowAsync(string folder, uint uid)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        RequireMailbox();
        var services = RequireSync();
        var cursor = FolderNamed(folder);
        var page = await services.Index.SearchAsync(GrainKey, new IndexSearch(2, cursor.Id, uid));
        return page.Rows.FirstOrDefault(r => r.UidValidity == cursor.UidValidity)
            ?? throw new MailboxItemNotFoundException($"Message {uid} is not in folder '{folder}' of mailbox '{Name}'.");
    }

    private static void ValidateQuery(MessageQuery q)
    {
        if (q.Limit is < 1 or > MessageQuery.MaxLimit)
        {
            throw new ArgumentException($"page_size {q.Limit} must be 1-{MessageQuery.MaxLimit}.", "page_size");
        }

        if (q.From?.Length > MessageQuery.MaxTextLength)
        {
            throw new ArgumentException($"from is {q.From.Length} characters long; at most {MessageQuery.MaxTextLength} are allowed.", "from");
        }

        if (q.Subject?.Length > MessageQuery.MaxTextLength)
        {
            throw new ArgumentException($"subject is {q.Subject.Length} characters long; at most {MessageQuery.MaxTextLength} are allowed.", "subject");
        }

        if (q.Tag?.Length > Sync.TagText.MaxTagLength || (q.Tag is { Length: > 0 } tag && Sync.TagText.Normalize(tag) is null))
        {
            throw new ArgumentException($"tag must be 1-{Sync.TagText.MaxTagLength} characters, not only white space.", "tag");
        }

        if (q.Priority is { Length: > 0 } priority && priority is not ("high" or "normal" or "low"))
        {
            throw new ArgumentException($"priority '{priority}' is not high, normal or low.", "priority");
        }

        CheckFlags(q.WithFlags, "with_flags");
        CheckFlags(q.WithoutFlags, "without_flags");
        if (q.Since is { } since && q.Before is { } before && before <= since)
        {
            throw new ArgumentException($"before ({before:O}) must be later than since ({since:O}).", "before");
        }
    }

    private static void CheckFlags(IReadOnlyList<string>? flags, string field)
    {
        if (flags is null)
        {
            return;
        }

        if (flags.Count > MessageQuery.MaxFlags)
        {
            throw new ArgumentException($"{field} has {flags.Count} flags; at most {MessageQuery.MaxFlags} are allowed.", field);
        }

        foreach (var flag in flags)
        {
            if (string.IsNullOrEmpty(flag) || flag.Length > 100 || flag.Any(c => c <= ' ' || c >= 127 || c is '(' or ')' or '{' or '"' or '%' or '*'))
            {
                throw new ArgumentException($"{field} contains '{flag}', which is not an IMAP flag (1-100 printable ASCII characters, no spaces, parentheses or quotes).", field);
            }
        }
    }

    private static string? NullIfEmpty(string? text) => string.IsNullOrEmpty(text) ? null : text;

    private static string EncodeCursor(IndexSearchKey key) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(string.Join('\n', CursorVersion, key.DateSeconds.ToString(CultureInfo.InvariantCulture),
            key.FolderId, key.UidValidity.ToString(CultureInfo.InvariantCulture), key.Uid.ToString(CultureInfo.InvariantCulture))));

    private static IndexSearchKey? DecodeCursor(string? cursor)
    {
        if (string.IsNullOrEmpty(cursor))
        {
            return null;
        }

        string[] parts;
        try
        {
            parts = Encoding.UTF8.GetString(Convert.FromBase64String(cursor)).Split('\n');
        }
        catch (FormatException)
        {
            parts = [];
        }

        if (parts.Length != 5 || parts[0] != CursorVersion
            || !long.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds)
            || !uint.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out var validity)
            || !uint.TryParse(parts[4], NumberStyles.None, CultureInfo.InvariantCulture, out var uid))
        {
            throw new ArgumentException("page_token is not a next_page_token returned by ListMessages.", "page_token");
        }

        return new IndexSearchKey(seconds, parts[2], validity, uid);
    }

    private static MessageInfo ToInfo(IndexedMessage r) => new(
        r.FolderId, r.Folder, r.UidValidity, r.Uid, FlagText.Split(r.Flags), r.From, r.To, r.Subject, r.Date, r.Size, r.MessageId,
        r.InReplyTo, r.References, ConversationOf(r))
    {
        Tags = TagText.Split(r.Tags), Priority = r.Priority,
    };

    /// <summary>The thread root: the first References id, else In-Reply-To, else the message itself.</summary>
    internal static string ConversationOf(IndexedMessage r) =>
        FirstWord(r.References) ?? FirstWord(r.InReplyTo) ?? NullIfEmpty(r.MessageId)
        ?? string.Create(CultureInfo.InvariantCulture, $"{r.FolderId}/{r.UidValidity}/{r.Uid}");

    private static string? FirstWord(string? text) =>
        string.IsNullOrWhiteSpace(text) ? null : text.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];

    private static MessagePartInfo Describe(MimeEntity entity, string path)
    {
        var children = entity switch
        {
            Multipart multipart => multipart.Children.Select((c, i) => Describe(c, path.Length == 0 ? $"{i + 1}" : $"{path}.{i + 1}")).ToList(),
            MessagePart attached => [Describe(attached.Message.Body, path.Length == 0 ? "1" : path)],
            _ => new List<MessagePartInfo>(),
        };
        var size = entity is MimePart part ? part.RawContent.Length : Math.Max(0, entity.EndOffset - entity.BodyOffset);
        return new MessagePartInfo(
            path, entity.ContentType.MimeType.ToLowerInvariant(), (entity as MimePart)?.FileName, entity.ContentDisposition?.Disposition,
            entity.ContentId, size, children);
    }

    private static string Preview(string text, int length)
    {
        var sb = new StringBuilder(Math.Min(length, text.Length));
        var space = false;
        foreach (var c in text)
        {
            if (sb.Length >= length)
            {
                break;
            }

            if (char.IsWhiteSpace(c))
            {
                space = sb.Length > 0;
                continue;
            }

            if (space)
            {
                sb.Append(' ');
                space = false;
                if (sb.Length >= length)
                {
                    break;
                }
            }

            sb.Append(c);
        }

        return sb.ToString();
    }
}
