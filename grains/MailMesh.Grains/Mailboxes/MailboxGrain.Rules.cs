using System.Globalization;
using MailMesh.Grains.Mailboxes.Sync;
using MailMesh.Grains.Rules;
using MailMesh.Protocols;
using MailMesh.Protocols.Imap;
using MailMesh.Protocols.Smtp;
using Microsoft.Extensions.Logging;

namespace MailMesh.Grains.Mailboxes;

/// <summary>
/// Rules on new mail, exactly once (docs/adr/rules-01-exactly-once-rule-runs.md): the sync queues a
/// <see cref="PendingRuleRun"/> per new inbox message in the state write that makes the message durable; timer
/// turns then ask the rules grain for the decision (idempotent per run), persist it, and carry out each action
/// once: IMAP COPY/MOVE/STORE/CREATE on the source and the index, SMTP through the rules grain, events. Any failure
/// leaves the message where it is (implicit keep) and ends in <c>rule.failed</c>; nothing escapes the turn.
/// </summary>
public sealed partial class MailboxGrain
{
    private const int RuleRunsPerTurn = 25;
    private const int MaxRuleAttempts = 3;
    private IDisposable? _ruleTimer;

    /// <summary>Queues rule runs for new messages; call before the state write that commits them. Only mail that
    /// arrives in the inbox after the mailbox's first complete sync is filtered (the first import is history).</summary>
    private void QueueRuleRuns(FolderCursor cursor, IReadOnlyList<IndexedMessage> rows)
    {
        if (syncState.State.Status.LastSuccessAt is null || !IsRuleFolder(cursor.Name))
        {
            return;
        }

        foreach (var row in rows)
        {
            if (syncState.State.RuleAppended.Remove($"{cursor.Id}/{cursor.UidValidity}/{row.Uid}"))
            {
                continue; // an edited copy a rule stored: its rules have run
            }

            syncState.State.PendingRuleRuns.Add(new PendingRuleRun
            {
                RunId = $"{cursor.Id}/{cursor.UidValidity}/{row.Uid}",
                FolderId = cursor.Id, Folder = cursor.Name, UidValidity = cursor.UidValidity, Uid = row.Uid,
                BlobName = row.BlobName, MessageId = row.MessageId,
            });
        }
    }

    private static bool IsRuleFolder(string folder) =>
        folder.Equals("INBOX", StringComparison.OrdinalIgnoreCase) || folder == Pop3MessageStore.FolderName;

    /// <summary>Starts working through pending rule runs and due retention in timer turns (no-op when nothing waits).</summary>
    private void ScheduleRuleRuns(TimeSpan? delay = null)
    {
        if (_ruleTimer is not null || (syncState.State.PendingRuleRuns.Count == 0 && !RetentionDue() && syncState.State.RuleLabels.Count == 0))
        {
            return;
        }

        _ruleTimer = RegisterTimer(_ => RuleTurnAsync(), delay ?? TimeSpan.Zero, Timeout.InfiniteTimeSpan);
    }

    private bool RetentionDue() => syncState.State.RuleRetention.Exists(r => r.Due <= TimeProvider.GetUtcNow());

    private async Task RuleTurnAsync()
    {
        _ruleTimer?.Dispose();
        _ruleTimer = null;
        ImapClient? client = null;
        TimeSpan? retryIn = null;
        try
        {
            var processed = 0;
            var now = TimeProvider.GetUtcNow();
            foreach (var run in syncState.State.PendingRuleRuns.ToList())
            {
                if (processed++ >= RuleRunsPerTurn)
                {
                    break;
                }

                if (run.NotBefore > now)
                {
                    retryIn = run.NotBefore - now;
                    continue;
                }

                client = await RunRuleAsync(run, client);
            }

            client = await ApplyDueRetentionAsync(client);
            await ApplyPendingLabelsAsync();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A failure outside one run (state write, connecting): the runs stay pending for the next turn.
            RulesLog.TurnFailed(Logger, GrainKey, e.Message);
            retryIn = TimeSpan.FromMinutes(1);
        }
        finally
        {
            if (client is not null)
            {
                await client.DisposeAsync();
            }
        }

        if (syncState.State.PendingRuleRuns.Exists(r => r.NotBefore is null || r.NotBefore <= TimeProvider.GetUtcNow()))
        {
            ScheduleRuleRuns();
        }
        else if (syncState.State.PendingRuleRuns.Count > 0)
        {
            ScheduleRuleRuns(retryIn ?? TimeSpan.FromMinutes(1));
        }
    }

    /// <summary>Decides and applies one run; returns the IMAP session to reuse (null after a failure).</summary>
    private async Task<ImapClient?> RunRuleAsync(PendingRuleRun run, ImapClient? client)
    {
        try
        {
            if (run.Decision is null)
            {
                var request = new RuleRunRequest(run.RunId, run.BlobName, UserAddresses(), FolderNames());
                run.Decision = await GrainFactory.GetGrain<IMailboxRulesGrain>(GrainKey).Evaluate(request);
                run.ConversationId ??= await ConversationOfRunAsync(run);
                await syncState.WriteStateAsync();
            }

            client = await ApplyHeaderEditsAsync(run, client);
            var actions = run.Decision.Actions;
            for (var i = 0; i < actions.Count; i++)
            {
                if (!run.Done.Contains(i))
                {
                    client = await ApplyRuleActionAsync(run, i, client);
                }
            }

            await SettleRunLocationAsync(run);
            FinishRuleRun(run, null);
            await syncState.WriteStateAsync();
            return client;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            if (client is not null)
            {
                await client.DisposeAsync();
            }

            run.Attempts++;
            run.LastError = Describe(e);
            if (run.Attempts >= MaxRuleAttempts || !IsTransient(e))
            {
                FinishRuleRun(run, run.LastError);
            }
            else
            {
                run.NotBefore = TimeProvider.GetUtcNow() + TimeSpan.FromMinutes(Math.Pow(2, run.Attempts));
            }

            await syncState.WriteStateAsync();
            return null;
        }
    }

    private void FinishRuleRun(PendingRuleRun run, string? error)
    {
        syncState.State.PendingRuleRuns.Remove(run);
        var decision = run.Decision;
        var common = new
        {
            runId = run.RunId, folderId = run.FolderId, folder = run.Folder, uidValidity = run.UidValidity, uid = run.Uid, messageId = run.MessageId,
            scriptVersion = decision?.ScriptVersion, spamScore = decision?.SpamScore,
        };
        error ??= decision?.Error;
        if (error is not null)
        {
            RulesLog.RunFailed(Logger, GrainKey, run.RunId, error);
            RuleDiagnostics.Failed();
            RaiseEvent("rule.failed", GrainKey, new
            {
                common.runId, common.folderId, common.folder, common.uidValidity, common.uid, common.messageId, common.scriptVersion,
                error, fallback = "implicit keep: the message stays where it arrived", actionsApplied = run.Outcomes,
            });
            return;
        }

        if (decision!.ScriptVersion is null)
        {
            return; // no active script: the message is simply kept, nothing to report
        }

        RuleDiagnostics.Applied(run);
        RaiseEvent("rule.applied", GrainKey, new
        {
            common.runId, common.folderId, common.folder, common.uidValidity, common.uid, common.messageId, common.scriptVersion, common.spamScore,
            actions = decision.Actions.Select(a => a.ToString()).ToList(), outcomes = run.Outcomes,
        });
    }

    private async Task<ImapClient?> ApplyRuleActionAsync(PendingRuleRun run, int index, ImapClient? client)
    {
        var decision = run.Decision!;
        var action = decision.Actions[index];
        var keeps = decision.Actions.Any(a => a.Kind == "keep");
        var fileIntos = decision.Actions.Select((a, i) => (a, i)).Where(p => p.a.Kind == "fileinto").ToList();
        var imap = syncState.State.Source?.Protocol == SourceProtocol.Imap;
        string outcome;
        switch (action.Kind)
        {
            case "keep":
                if (action.Flags.Count > 0 && imap)
                {
                    client ??= await OpenRuleSessionAsync(run);
                    await client.UidStoreAsync(ImapUidSet.Single(run.Uid), ImapStoreMode.Add, action.Flags);
                    await RefreshIndexFlagsAsync(client, run);
                    outcome = $"kept with flags {string.Join(' ', action.Flags)}";
                }
                else
                {
                    outcome = action.Flags.Count > 0 ? "kept (flags not applied: a POP3 source has none)" : "kept";
                }

                break;
            case "fileinto" when imap:
                var last = fileIntos[^1].i == index && !keeps && !decision.Actions.Any(a => a.Kind == "discard");
                client ??= await OpenRuleSessionAsync(run);
                outcome = await FileIntoAsync(client, run, index, action, move: last);
                break;
            case "discard" when imap && !keeps && fileIntos.Count == 0:
                client ??= await OpenRuleSessionAsync(run);
                await client.UidStoreAsync(ImapUidSet.Single(run.Uid), ImapStoreMode.Add, ["\\Deleted"]);
                await client.UidExpungeAsync(ImapUidSet.Single(run.Uid));
                await RequireSync().Index.DeleteAsync(GrainKey, run.FolderId, run.UidValidity, [run.Uid]);
                run.Discarded = true;
                outcome = "discarded (deleted on the server)";
                break;
            case "redirect" or "vacation":
                outcome = await SendRuleMailAsync(run, index, action);
                break;
            case "retain" or "archive":
                var days = action.Kind == "retain" ? int.Parse(action.Argument!, CultureInfo.InvariantCulture) : 0;
                syncState.State.RuleRetention.Add(new RetentionEntry
                {
                    FolderId = run.FolderId, UidValidity = run.UidValidity, Uid = run.Uid, MessageId = run.MessageId,
                    Due = TimeProvider.GetUtcNow().AddDays(days), Action = action.Kind == "retain" ? "delete" : "archive", RunId = run.RunId, Folder = run.Folder,
                });
                outcome = action.Kind == "retain" ? $"retained for {days} days" : "archived at the next retention run";
                break;
            case "assign" or "tag" or "priority" or "notify":
                outcome = action.Kind switch
                {
                    "assign" => await AssignAsync(run, index, action),
                    "tag" or "priority" => AddRunLabel(run, action),
                    _ => $"notify {action.Argument}",
                };
                RaiseEvent(action.Kind == "notify" ? "rule.notify" : "message." + action.Kind switch { "assign" => "assigned", "tag" => "tagged", _ => "priority_set" },
                    GrainKey, new { runId = run.RunId, folder = run.Folder, uid = run.Uid, messageId = run.MessageId, value = action.Argument, text = action.Text, conversationId = run.ConversationId });
                break;
            default:
                outcome = $"{action.Kind}: not applicable after delivery";
                break;
        }

        run.Done.Add(index);
        run.Started.Remove(index);
        run.Outcomes.Add(outcome);
        await syncState.WriteStateAsync();
        return client;
    }

    private async Task<string> FileIntoAsync(ImapClient client, PendingRuleRun run, int index, RuleAction action, bool move)
    {
        var target = action.Argument!;
        var folders = await client.ListAsync("", target);
        if (folders.Count == 0)
        {
            if (!action.Create)
            {
                return $"fileinto \"{target}\" skipped: the folder does not exist (use :create); the message is kept";
            }

            await client.CreateMailboxAsync(target);
        }

        if (run.Started.Contains(index) && run.MessageId is { } id)
        {
            // Resumed after a crash: the copy may exist already.
            var (targetValidity, inTarget) = await FindByMessageIdAsync(client, target, id);
            await client.SelectAsync(run.Folder);
            if (inTarget.Count > 0)
            {
                if (move)
                {
                    await client.UidStoreAsync(ImapUidSet.Single(run.Uid), ImapStoreMode.Add, ["\\Deleted"]);
                    await client.UidExpungeAsync(ImapUidSet.Single(run.Uid));
                    await RequireSync().Index.DeleteAsync(GrainKey, run.FolderId, run.UidValidity, [run.Uid]);
                    (run.MovedTo, run.MovedUidValidity, run.MovedUid) = (target, targetValidity, inTarget.Max());
                    _runAgain = true;
                }

                return $"filed into \"{target}\" (found after a restart)";
            }
        }

        run.Started.Add(index);
        await syncState.WriteStateAsync();
        if (action.Flags.Count > 0)
        {
            await client.UidStoreAsync(ImapUidSet.Single(run.Uid), ImapStoreMode.Add, action.Flags);
        }

        if (move)
        {
            var moved = await client.UidMoveAsync(ImapUidSet.Single(run.Uid), target);
            (run.MovedUidValidity, run.MovedUid) = await ReindexMovedAsync(run.FolderId, run.UidValidity, run.Uid, target, moved);
            run.MovedTo = target;
        }
        else
        {
            await client.UidCopyAsync(ImapUidSet.Single(run.Uid), target);
            if (action.Flags.Count > 0)
            {
                await client.UidStoreAsync(ImapUidSet.Single(run.Uid), ImapStoreMode.Remove, action.Flags);
            }
        }

        // A copy (or a move the index could not follow) is indexed by the next sync of its folder (a new folder is found
        // by the folder reconciliation).
        _runAgain |= !move;
        return (move ? "moved" : "copied") + $" into \"{target}\"" + (action.Flags.Count > 0 ? $" with flags {string.Join(' ', action.Flags)}" : string.Empty);
    }

    private static async Task<(uint UidValidity, IReadOnlyList<uint> Uids)> FindByMessageIdAsync(ImapClient client, string folder, string messageId)
    {
        var examined = await client.ExamineAsync(folder);
        var quoted = "\"" + messageId.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
        return (examined.Mailbox.UidValidity, await client.UidSearchAsync("HEADER Message-ID " + quoted));
    }

    private async Task<string> SendRuleMailAsync(PendingRuleRun run, int index, RuleAction action)
    {
        if (run.Started.Contains(index))
        {
            // Started before a crash, outcome unknown: never send twice.
            return $"{action.Kind} to {action.Argument} not repeated: a restart interrupted it and it may have been sent";
        }

        var address = state.State.Address;
        if (string.IsNullOrEmpty(address))
        {
            throw new InvalidOperationException($"mailbox '{GrainKey}' has no address, needed as the sender of {action.Kind} mail; set one on the mailbox.");
        }

        run.Started.Add(index);
        await syncState.WriteStateAsync();
        try
        {
            var reply = await GrainFactory.GetGrain<IMailboxRulesGrain>(GrainKey).SendMail(run.RunId, index, address);
            return $"{action.Kind} sent to {action.Argument}: {reply}";
        }
        catch (SmtpCommandException e) when (!e.IsTransient)
        {
            return $"{action.Kind} to {action.Argument} refused by the submission server: {e.Message}";
        }
        catch (Exception e) when (e is SmtpCommandException or InvalidOperationException or MailProtocolException { Kind: not ProtocolFailureKind.ServerClosed and not ProtocolFailureKind.Timeout })
        {
            // Refused or never connected: nothing went out, so a retry is safe.
            run.Started.Remove(index);
            throw;
        }
    }

    private async Task<ImapClient> OpenRuleSessionAsync(PendingRuleRun run)
    {
        var client = await SourceConnector.ConnectImapAsync(syncState.State.Source!, GrainKey, RequireSync(), CancellationToken.None);
        var selected = await client.SelectAsync(run.Folder);
        if (selected.Mailbox.UidValidity != run.UidValidity)
        {
            await client.DisposeAsync();
            throw new InvalidOperationException($"folder '{run.Folder}' was recreated on the server (UIDVALIDITY {run.UidValidity} -> {selected.Mailbox.UidValidity}); the message is gone.");
        }

        return client;
    }

    private async Task RefreshIndexFlagsAsync(ImapClient client, PendingRuleRun run)
    {
        var items = ImapFetchItems.Flags | (client.Capabilities.CondStore ? ImapFetchItems.ModSeq : 0);
        var fetched = (await client.UidFetchAsync(ImapUidSet.Single(run.Uid), new ImapFetchRequest(items))).Messages.FirstOrDefault(m => m.Uid == run.Uid);
        if (fetched is not null)
        {
            var flags = FlagText.Normalize(fetched.Flags ?? []);
            await RequireSync().Index.UpdateFlagsAsync(GrainKey, run.FolderId, run.UidValidity, [(run.Uid, flags, fetched.ModSeq ?? 0)]);
            RaiseEvent("message.flags_changed", GrainKey, new { folderId = run.FolderId, folder = run.Folder, uidValidity = run.UidValidity, uid = run.Uid, flags = FlagText.Split(flags), origin = "rules" });
        }
    }

    /// <summary>Applies due <c>retain</c> (delete) and <c>archive</c> (move to "Archive") decisions. Runs in the rule turns, which
    /// every sync run starts (the poll reminder), so retention is applied within one poll interval of being due.</summary>
    private async Task<ImapClient?> ApplyDueRetentionAsync(ImapClient? client)
    {
        var now = TimeProvider.GetUtcNow();
        var due = syncState.State.RuleRetention.Where(r => r.Due <= now).Take(RuleRunsPerTurn).ToList();
        if (due.Count == 0)
        {
            return client;
        }

        if (syncState.State.Source?.Protocol != SourceProtocol.Imap)
        {
            foreach (var entry in due)
            {
                syncState.State.RuleRetention.Remove(entry);
            }

            await syncState.WriteStateAsync();
            return client;
        }

        if (client is not null)
        {
            await client.DisposeAsync();
        }

        client = await SourceConnector.ConnectImapAsync(syncState.State.Source!, GrainKey, RequireSync(), CancellationToken.None);
        foreach (var entry in due)
        {
            if (RetentionFolder(entry) is { } cursor)
            {
                var selected = await client.SelectAsync(cursor.Name);
                var present = selected.Mailbox.UidValidity == entry.UidValidity
                    && (await client.UidSearchAsync($"UID {entry.Uid}")).Contains(entry.Uid);
                if (present)
                {
                    if (entry.Action == "archive")
                    {
                        if ((await client.ListAsync("", ArchiveFolder)).Count == 0)
                        {
                            await client.CreateMailboxAsync(ArchiveFolder);
                        }

                        var moved = await client.UidMoveAsync(ImapUidSet.Single(entry.Uid), ArchiveFolder);
                        await ReindexMovedAsync(cursor.Id, entry.UidValidity, entry.Uid, ArchiveFolder, moved);
                    }
                    else
                    {
                        await client.UidStoreAsync(ImapUidSet.Single(entry.Uid), ImapStoreMode.Add, ["\\Deleted"]);
                        await client.UidExpungeAsync(ImapUidSet.Single(entry.Uid));
                        await RequireSync().Index.DeleteAsync(GrainKey, cursor.Id, entry.UidValidity, [entry.Uid]);
                    }

                    RaiseEvent(entry.Action == "archive" ? "message.archived" : "message.retention_deleted", GrainKey,
                        new { folderId = cursor.Id, folder = cursor.Name, uidValidity = entry.UidValidity, uid = entry.Uid, messageId = entry.MessageId });
                }
            }
            else
            {
                RulesLog.RetentionSkipped(Logger, GrainKey, entry.Folder ?? entry.FolderId, entry.Uid);
            }

            syncState.State.RuleRetention.Remove(entry);
            await syncState.WriteStateAsync();
        }

        return client;
    }

    private const string ArchiveFolder = "Archive";

    private IReadOnlyList<string> UserAddresses() => string.IsNullOrEmpty(state.State.Address) ? [] : [state.State.Address];

    private List<string> FolderNames() => syncState.State.Folders.Values.Select(f => f.Name).ToList();

    private static bool IsTransient(Exception e) => e switch
    {
        MailCommandException c => c.IsTransient,
        MailProtocolException p => p.IsTransient,
        IOException or TimeoutException or System.Net.Sockets.SocketException => true,
        _ => false,
    };

    private static string Describe(Exception e) => e is MailMesh.Runtime.RemoteGrainException r ? r.OriginalMessage : e.Message;
}

internal static partial class RulesLog
{
    [LoggerMessage(EventId = 6001, Level = LogLevel.Warning, Message = "Rule run {RunId} of mailbox {Mailbox} failed; the message is kept: {Error}")]
    public static partial void RunFailed(ILogger logger, string mailbox, string runId, string error);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Warning, Message = "Retention of message {Uid} in folder {Folder} of mailbox {Mailbox} was dropped: the folder is no longer synced")]
    public static partial void RetentionSkipped(ILogger logger, string mailbox, string folder, uint uid);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Warning, Message = "Rule processing of mailbox {Mailbox} was interrupted and will resume: {Error}")]
    public static partial void TurnFailed(ILogger logger, string mailbox, string error);
}
