using MailMesh.Grains.Mailboxes.Sync;
using MailMesh.Grains.Rules;
using MailMesh.Grains.Sharing;
using MailMesh.Protocols.Imap;

namespace MailMesh.Grains.Mailboxes;

/// <summary>
/// What vnd.mailmesh actions leave behind: <c>tag</c> and <c>priority</c> are stored on the message's index row wherever
/// the run leaves the message (a fileinto in the same run moves them along), <c>assign</c> sets the assignee of the
/// message's conversation in the sharing grain, and <c>retain</c>/<c>archive</c> entries follow the message too.
/// </summary>
public sealed partial class MailboxGrain
{
    private static readonly TimeSpan PendingLabelsLifetime = TimeSpan.FromDays(2);

    /// <summary>The conversation of the run's message, from its index row (as <see cref="MessageInfo.ConversationId"/>).</summary>
    private async Task<string?> ConversationOfRunAsync(PendingRuleRun run)
    {
        var page = await RequireSync().Index.SearchAsync(GrainKey, new IndexSearch(2, run.FolderId, run.Uid));
        return page.Rows.FirstOrDefault(r => r.UidValidity == run.UidValidity) is { } row ? ConversationOf(row) : null;
    }

    /// <summary>Collects a tag or the priority; stored on the index row when the run ends (set semantics, so a
    /// resumed run storing them again changes nothing).</summary>
    private static string AddRunLabel(PendingRuleRun run, RuleAction action)
    {
        if (action.Kind == "priority")
        {
            run.Priority = action.Argument;
            return $"priority {action.Argument}";
        }

        if (TagText.Normalize(action.Argument ?? "") is not { } tag)
        {
            return "tag skipped: the tag is empty";
        }

        if (!run.Tags.Contains(tag, StringComparer.OrdinalIgnoreCase))
        {
            run.Tags.Add(tag);
        }

        return $"tag {tag}";
    }

    /// <summary>Assigns the message's conversation to a member (the sharing grain audits it as <c>conversation.assigned</c>
    /// by <c>rules:v&lt;version&gt;</c>). Setting the same assignee again changes and audits nothing, so a run resumed
    /// after a crash does not assign (or audit) twice.</summary>
    private async Task<string> AssignAsync(PendingRuleRun run, int index, RuleAction action)
    {
        var user = action.Argument!;
        if (run.ConversationId is not { } conversationId)
        {
            return $"assign \"{user}\" skipped: the message was not in the index when the rule ran";
        }

        var sharing = GrainFactory.GetGrain<IMailboxSharingGrain>(GrainKey);
        if (await sharing.GetAccess(user) < MailboxAccess.SendAs)
        {
            return $"assign \"{user}\" skipped: \"{user}\" is not a member of this mailbox with send_as or full access";
        }

        if (run.Started.Contains(index) && (await sharing.GetConversation(conversationId)).Assignee == user)
        {
            return $"assigned conversation {conversationId} to {user} (found after a restart)";
        }

        run.Started.Add(index);
        await syncState.WriteStateAsync();
        await sharing.UpdateConversation($"rules:v{run.Decision!.ScriptVersion}", conversationId, null, user);
        return $"assigned conversation {conversationId} to {user}";
    }

    /// <summary>At the end of a run: stores its tags/priority on the message's final index row (or waits for that row when a
    /// rule moved the message into a folder not indexed yet) and points its retention entries at where the message is.</summary>
    private async Task SettleRunLocationAsync(PendingRuleRun run)
    {
        var entries = syncState.State.RuleRetention.Where(r => r.RunId == run.RunId).ToList();
        if (run.Discarded)
        {
            syncState.State.RuleRetention.RemoveAll(entries.Contains);
            return;
        }

        if (run.MovedTo is { } folder)
        {
            var cursor = syncState.State.Folders.Values.FirstOrDefault(f => f.Name == folder && (run.MovedUidValidity == 0 || f.UidValidity == run.MovedUidValidity));
            foreach (var entry in entries)
            {
                (entry.FolderId, entry.Folder, entry.UidValidity, entry.Uid) = (cursor?.Id ?? "", folder, run.MovedUidValidity, run.MovedUid);
            }

            if (run.Tags.Count > 0 || run.Priority is not null)
            {
                var stored = cursor is not null && run.MovedUid != 0
                    && await RequireSync().Index.UpdateLabelsAsync(GrainKey, cursor.Id, cursor.UidValidity, run.MovedUid, run.Tags, run.Priority);
                if (!stored && run.MovedUid != 0)
                {
                    syncState.State.RuleLabels.Add(new PendingLabels
                    {
                        Folder = folder, UidValidity = run.MovedUidValidity, Uid = run.MovedUid, Tags = [.. run.Tags], Priority = run.Priority,
                        Until = TimeProvider.GetUtcNow() + PendingLabelsLifetime,
                    });
                }

                run.Outcomes.Add(stored ? $"labels stored in \"{folder}\""
                    : run.MovedUid != 0 ? $"labels stored once \"{folder}\" is indexed"
                    : $"labels not stored: the server did not report the message's UID in \"{folder}\" (no UIDPLUS)");
            }

            return;
        }

        if (run.Tags.Count > 0 || run.Priority is not null)
        {
            var stored = await RequireSync().Index.UpdateLabelsAsync(GrainKey, run.FolderId, run.UidValidity, run.Uid, run.Tags, run.Priority);
            run.Outcomes.Add(stored ? "labels stored" : "labels not stored: the message is no longer in the index");
        }
    }

    /// <summary>Stores labels waiting for messages a rule moved, once their folder's sync has indexed them.</summary>
    private async Task ApplyPendingLabelsAsync()
    {
        if (syncState.State.RuleLabels.Count == 0)
        {
            return;
        }

        var now = TimeProvider.GetUtcNow();
        var changed = false;
        foreach (var labels in syncState.State.RuleLabels.ToList())
        {
            var cursor = syncState.State.Folders.Values.FirstOrDefault(f => f.Name == labels.Folder && (labels.UidValidity == 0 || f.UidValidity == labels.UidValidity));
            if ((cursor is not null && await RequireSync().Index.UpdateLabelsAsync(GrainKey, cursor.Id, cursor.UidValidity, labels.Uid, labels.Tags, labels.Priority))
                || labels.Until <= now)
            {
                syncState.State.RuleLabels.Remove(labels);
                changed = true;
            }
        }

        if (changed)
        {
            await syncState.WriteStateAsync();
        }
    }

    /// <summary>After a UID MOVE: removes the source row and, when the server reported the new UID (UIDPLUS) of an indexed
    /// folder, writes the same row (tags and priority included) under the new UID, as <see cref="Move"/> does; otherwise the
    /// next sync indexes the message in its new folder. Returns the new UIDVALIDITY and UID (0 when unknown).</summary>
    private async Task<(uint UidValidity, uint Uid)> ReindexMovedAsync(string folderId, uint uidValidity, uint uid, string target, ImapCopyResult? moved)
    {
        var index = RequireSync().Index;
        var row = (await index.SearchAsync(GrainKey, new IndexSearch(2, folderId, uid))).Rows.FirstOrDefault(r => r.UidValidity == uidValidity);
        await index.DeleteAsync(GrainKey, folderId, uidValidity, [uid]);
        var newUid = moved?.GetUidMap().TryGetValue(uid, out var mapped) == true ? mapped : 0u;
        var newValidity = moved?.UidValidity ?? 0u;
        var to = syncState.State.Folders.Values.FirstOrDefault(f => f.Name == target);
        if (row is not null && to is not null && newUid != 0 && newValidity == to.UidValidity)
        {
            await index.UpsertAsync([row with { FolderId = to.Id, Folder = to.Name, UidValidity = to.UidValidity, Uid = newUid, ModSeq = 0 }]);
            if (newUid == to.LastUid + 1)
            {
                // Nothing between the cursor and the new UID: the next sync has nothing to fetch for it.
                to.LastUid = newUid;
            }
        }
        else
        {
            _runAgain = true;
        }

        return (newValidity, newUid);
    }

    /// <summary>The folder of a retention entry: by id, else (a folder a rule created) by name and UIDVALIDITY.</summary>
    private FolderCursor? RetentionFolder(RetentionEntry entry) =>
        syncState.State.Folders.TryGetValue(entry.FolderId, out var cursor)
            ? cursor
            : syncState.State.Folders.Values.FirstOrDefault(f => f.Name == entry.Folder && (entry.UidValidity == 0 || f.UidValidity == entry.UidValidity));
}
