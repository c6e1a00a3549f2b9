using MailMesh.Protocols.Imap;
using MailMesh.Protocols.Pop3;

namespace MailMesh.Grains.Mailboxes.Sync;

/// <summary>One sync run in progress, owned by the grain activation and advanced one bounded step per turn.</summary>
internal sealed class SyncRun : IAsyncDisposable
{
    public CancellationTokenSource Cancellation { get; } = new();

    public ImapClient? Client { get; set; }

    public Pop3Client? Pop3 { get; set; }

    /// <summary>POP3: messages on the server not downloaded yet, in server order.</summary>
    public List<Pop3MessageUid> Pop3New { get; } = [];

    /// <summary>POP3: the UIDL listing of this session.</summary>
    public IReadOnlyList<Pop3MessageUid> Pop3Listing { get; set; } = [];

    public int Pop3Next { get; set; }

    /// <summary>Folder ids still to sync in this run.</summary>
    public Queue<string> PendingFolders { get; } = new();

    /// <summary>The folder whose new messages are being fetched.</summary>
    public FolderWork? Current { get; set; }

    /// <summary>The background fetch of <see cref="Current"/>'s new messages (it owns <see cref="Client"/> while it runs).</summary>
    public FolderFetchPipeline? Pipeline { get; set; }

    public int New { get; set; }

    public int FlagChanges { get; set; }

    public int Expunged { get; set; }

    /// <summary>Folders whose changes came through QRESYNC (RFC 7162) instead of a UID listing.</summary>
    public int QResyncFolders { get; set; }

    /// <summary>Whether the poll reminder was brought forward for this run (see MailboxGrain.ArmResumeAsync).</summary>
    public bool ResumeArmed { get; set; }

    public async ValueTask DisposeAsync()
    {
        await Cancellation.CancelAsync().ConfigureAwait(false);
        if (Pipeline is not null)
        {
            // Before the client goes: the fetch stops using it first.
            await Pipeline.DisposeAsync().ConfigureAwait(false);
            Pipeline = null;
        }

        if (Client is not null)
        {
            await Client.DisposeAsync().ConfigureAwait(false);
            Client = null;
        }

        if (Pop3 is not null)
        {
            await Pop3.DisposeAsync().ConfigureAwait(false);
            Pop3 = null;
        }

        Cancellation.Dispose();
    }
}

/// <summary>New UIDs of one folder left to fetch.</summary>
internal sealed class FolderWork(string folderId, List<uint> newUids, uint skippedUpTo = 0)
{
    public string FolderId { get; } = folderId;

    public List<uint> NewUids { get; } = newUids;

    /// <summary>Highest UID the search found that is indexed already (moved in through the API, see
    /// <see cref="FolderCursor.IndexedAhead"/>); the cursor passes it once the last batch is stored.</summary>
    public uint SkippedUpTo { get; } = skippedUpTo;

    public int Next { get; set; }
}

/// <summary>A flag change whose event is written but whose index row may not be updated yet.</summary>
/// <param name="Uid">UID.</param>
/// <param name="Flags">New flags (normalized).</param>
/// <param name="ModSeq">MODSEQ.</param>
public sealed record PendingFlagChange(uint Uid, string Flags, ulong ModSeq);
