using MailMesh.Blobs;
using MailMesh.Grains.Mailboxes.Sync;
using MailMesh.Grains.Rules;
using MailMesh.Mime;
using MailMesh.Protocols.Imap;

namespace MailMesh.Grains.Mailboxes;

/// <summary>
/// editheader (RFC 5293) written back (docs/adr/rules-02-editheader-write-back.md): before the run's other actions, the
/// edited message replaces the original where it arrived: on an IMAP source it is APPENDed to the folder with the
/// original's flags and the original is deleted (UID EXPUNGE with UIDPLUS; without it the original is only flagged
/// \Deleted, so other messages' \Deleted flags are never expunged); the index row moves to the new UID and the edited
/// blob. A POP3 source has no server copy: only the stored copy changes. Later actions (fileinto, flags) act on the
/// edited message.
/// </summary>
public sealed partial class MailboxGrain
{
    private const int MaxRuleAppended = 1_000;

    private async Task<ImapClient?> ApplyHeaderEditsAsync(PendingRuleRun run, ImapClient? client)
    {
        var decision = run.Decision!;
        if (decision.EditedBlobName is not { } edited || run.EditsApplied)
        {
            return client;
        }

        if (!decision.Actions.Any(a => a.Kind is "keep" or "fileinto"))
        {
            // Discarded or only redirected: nothing stored keeps the message, so there is nothing to rewrite.
            run.EditsApplied = true;
            return client;
        }

        var sync = RequireSync();
        var bytes = await ReadBlobAsync(sync.Blobs, edited)
            ?? throw new InvalidOperationException($"the edited message '{edited}' is missing from the blob store.");
        var row = (await sync.Index.SearchAsync(GrainKey, new IndexSearch(2, run.FolderId, run.Uid))).Rows.FirstOrDefault(r => r.UidValidity == run.UidValidity);
        string outcome;
        if (syncState.State.Source?.Protocol == SourceProtocol.Imap)
        {
            client ??= await OpenRuleSessionAsync(run);
            var (newUid, expunged) = await ReplaceOnServerAsync(run, client, bytes);
            await sync.Index.DeleteAsync(GrainKey, run.FolderId, run.UidValidity, [run.Uid]);
            var cursor = syncState.State.Folders.GetValueOrDefault(run.FolderId);
            if (row is not null && cursor is not null)
            {
                await sync.Index.UpsertAsync([Reparse(row, bytes, edited) with { Uid = newUid, ModSeq = 0 }]);
                if (newUid == cursor.LastUid + 1)
                {
                    cursor.LastUid = newUid;
                }
                else
                {
                    RememberAppended($"{run.FolderId}/{run.UidValidity}/{newUid}");
                }
            }

            outcome = $"header edits stored: the edited message replaced UID {run.Uid} as UID {newUid}"
                + (expunged ? string.Empty : " (the original is flagged \\Deleted; the server has no UIDPLUS to expunge it alone)");
            run.Uid = newUid;
        }
        else
        {
            if (row is not null)
            {
                await sync.Index.UpsertAsync([Reparse(row, bytes, edited)]);
            }

            outcome = "header edits stored in the stored copy (a POP3 source keeps its own copy unchanged)";
        }

        run.BlobName = edited;
        run.EditsApplied = true;
        run.Outcomes.Add(outcome);
        await syncState.WriteStateAsync();
        return client;
    }

    /// <summary>APPENDs the edited message and deletes the original; returns the new UID and whether the original was
    /// expunged. Resumed after a crash during the append, a copy found by Message-ID is taken instead of appending twice.</summary>
    private async Task<(uint Uid, bool Expunged)> ReplaceOnServerAsync(PendingRuleRun run, ImapClient client, byte[] bytes)
    {
        uint newUid = 0;
        if (run.EditStarted && run.MessageId is { } id)
        {
            var (validity, uids) = await FindByMessageIdAsync(client, run.Folder, id);
            await client.SelectAsync(run.Folder);
            newUid = validity == run.UidValidity ? uids.Where(u => u > run.Uid).DefaultIfEmpty(0u).Max() : 0;
        }

        if (newUid == 0)
        {
            var flags = (await client.UidFetchAsync(ImapUidSet.Single(run.Uid), new ImapFetchRequest(ImapFetchItems.Flags | ImapFetchItems.InternalDate)))
                .Messages.FirstOrDefault(m => m.Uid == run.Uid)
                ?? throw new InvalidOperationException($"message {run.Uid} is no longer in '{run.Folder}'; its header edits cannot be stored.");
            run.EditStarted = true;
            await syncState.WriteStateAsync();
            var appended = await client.AppendAsync(run.Folder, bytes, new ImapAppendOptions
            {
                Flags = (flags.Flags ?? []).Where(f => !f.Equals("\\Recent", StringComparison.OrdinalIgnoreCase)).ToList(),
                InternalDate = flags.InternalDate,
            });
            newUid = appended is { } a && a.UidValidity == run.UidValidity ? a.Uid : 0;
            if (newUid == 0 && run.MessageId is { } messageId)
            {
                var (validity, uids) = await FindByMessageIdAsync(client, run.Folder, messageId);
                newUid = validity == run.UidValidity ? uids.Where(u => u > run.Uid).DefaultIfEmpty(0u).Max() : 0;
            }

            await client.SelectAsync(run.Folder);
            if (newUid == 0)
            {
                throw new InvalidOperationException($"the server took the edited message but did not say its UID (no UIDPLUS) and it has no Message-ID to find it by; the original {run.Uid} is kept.");
            }
        }

        await client.UidStoreAsync(ImapUidSet.Single(run.Uid), ImapStoreMode.Add, ["\\Deleted"]);
        if (client.Capabilities.UidPlus)
        {
            await client.UidExpungeAsync(ImapUidSet.Single(run.Uid));
            return (newUid, true);
        }

        return (newUid, false);
    }

    private void RememberAppended(string key)
    {
        var list = syncState.State.RuleAppended;
        list.Add(key);
        if (list.Count > MaxRuleAppended)
        {
            list.RemoveRange(0, list.Count - MaxRuleAppended);
        }
    }

    /// <summary>The index row of the edited message: the header fields the index keeps, read again.</summary>
    private static IndexedMessage Reparse(IndexedMessage row, byte[] bytes, string blobName)
    {
        using var parsed = MimeMessage.Parse(bytes);
        static string? Join(IEnumerable<string> values) => string.Join(' ', values) is { Length: > 0 } text ? text : null;
        return row with
        {
            From = Join(parsed.From.Mailboxes.Select(a => a.Address)), To = Join(parsed.To.Mailboxes.Select(a => a.Address)), Subject = parsed.Subject,
            Date = parsed.Date ?? row.Date, Size = bytes.Length, MessageId = parsed.MessageId, InReplyTo = Join(parsed.InReplyTo),
            References = Join(parsed.References), BlobName = blobName,
        };
    }

    private static async Task<byte[]?> ReadBlobAsync(IBlobStore blobs, string name)
    {
        await using var download = await blobs.OpenReadAsync(name);
        if (download is null)
        {
            return null;
        }

        using var buffer = new MemoryStream();
        await download.Content.CopyToAsync(buffer);
        return buffer.ToArray();
    }
}
