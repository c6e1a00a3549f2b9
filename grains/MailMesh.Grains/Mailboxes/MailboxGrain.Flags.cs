using MailMesh.Grains.Mailboxes.Sync;
using MailMesh.Protocols.Imap;

namespace MailMesh.Grains.Mailboxes;

/// <summary>Flags set through the mailbox go to the server first (UID STORE), then to the index and the event log.
/// STORE +FLAGS/-FLAGS leaves the server as it was when repeated, so a call delivered again after a crash simply
/// runs again: it needs no side-effect record (docs/adr/cluster-04-side-effect-records.md).</summary>
public sealed partial class MailboxGrain
{
    /// <inheritdoc />
    public async Task<IReadOnlyList<string>> SetFlags(string folder, uint uid, string[] add, string[] remove)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        ArgumentNullException.ThrowIfNull(add);
        ArgumentNullException.ThrowIfNull(remove);
        var services = RequireSync();
        var source = syncState.State.Source ?? throw new MailboxSourceNotConfiguredException($"Mailbox '{GrainKey}' has no source; call ConfigureSource first.");
        if (source.Protocol != SourceProtocol.Imap)
        {
            throw new InvalidOperationException($"Mailbox '{GrainKey}' syncs from POP3, which has no flags on the server.");
        }

        var cursor = syncState.State.Folders.Values.FirstOrDefault(f => f.Name == folder)
            ?? throw new ArgumentException($"folder '{folder}' is not synced for mailbox '{GrainKey}'.", nameof(folder));
        if (uid == 0 || uid > cursor.LastUid)
        {
            throw new ArgumentException($"uid {uid} is not a synced message of folder '{folder}' (synced UIDs are 1-{cursor.LastUid}).", nameof(uid));
        }

        await using var client = await SourceConnector.ConnectImapAsync(source, GrainKey, services, CancellationToken.None);
        var selected = await client.SelectAsync(folder);
        if (selected.Mailbox.UidValidity != cursor.UidValidity)
        {
            throw new InvalidOperationException($"Folder '{folder}' was recreated on the server (UIDVALIDITY {cursor.UidValidity} -> {selected.Mailbox.UidValidity}); sync it before setting flags.");
        }

        if (add.Length > 0)
        {
            await client.UidStoreAsync(ImapUidSet.Single(uid), ImapStoreMode.Add, add);
        }

        if (remove.Length > 0)
        {
            await client.UidStoreAsync(ImapUidSet.Single(uid), ImapStoreMode.Remove, remove);
        }

        var items = ImapFetchItems.Flags | (client.Capabilities.CondStore ? ImapFetchItems.ModSeq : 0);
        var fetched = (await client.UidFetchAsync(ImapUidSet.Single(uid), new ImapFetchRequest(items))).Messages.FirstOrDefault(m => m.Uid == uid)
            ?? throw new ArgumentException($"message {uid} of folder '{folder}' no longer exists on the server.", nameof(uid));
        await client.LogoutAsync();
        var flags = FlagText.Normalize(fetched.Flags ?? []);
        await services.Index.UpdateFlagsAsync(GrainKey, cursor.Id, cursor.UidValidity, [(uid, flags, fetched.ModSeq ?? 0)]);
        RaiseEvent("message.flags_changed", GrainKey, new { folderId = cursor.Id, folder, uidValidity = cursor.UidValidity, uid, flags = FlagText.Split(flags), origin = "mailmesh" });
        await syncState.WriteStateAsync();
        return FlagText.Split(flags);
    }
}
