using MailMesh.Runtime;

namespace MailMesh.Grains.Mailboxes;

/// <summary>What can change on an existing mailbox; null leaves a field as it is.</summary>
/// <param name="DisplayName">New display name (1–200 characters).</param>
/// <param name="Address">New e-mail address; an empty string removes it.</param>
[Immutable]
public sealed record UpdateMailbox(string? DisplayName, string? Address);

/// <summary>One indexed message of a mailbox.</summary>
/// <param name="FolderId">Stable folder id.</param>
/// <param name="Folder">Folder name.</param>
/// <param name="UidValidity">UIDVALIDITY of the folder.</param>
/// <param name="Uid">UID within the folder.</param>
/// <param name="Flags">Flags, sorted.</param>
/// <param name="From">From addresses, space-separated.</param>
/// <param name="To">To addresses, space-separated.</param>
/// <param name="Subject">Decoded subject.</param>
/// <param name="Date">Date header (or the server's arrival time when absent).</param>
/// <param name="Size">Size in bytes.</param>
/// <param name="MessageId">Message-ID without brackets.</param>
/// <param name="InReplyTo">In-Reply-To ids, space-separated.</param>
/// <param name="References">References ids, space-separated.</param>
/// <param name="ConversationId">The conversation the message belongs to: the first of its References, else its
/// In-Reply-To, else its own Message-ID, else <c>folder/uidvalidity/uid</c>.</param>
[Immutable]
public sealed record MessageInfo(
    string FolderId, string Folder, uint UidValidity, uint Uid, IReadOnlyList<string> Flags, string? From, string? To, string? Subject,
    DateTimeOffset? Date, long Size, string? MessageId, string? InReplyTo, string? References, string ConversationId)
{
    /// <summary>Tags rules gave the message (vnd.mailmesh <c>tag</c>), sorted.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>Priority rules gave the message (high, normal, low), or null.</summary>
    public string? Priority { get; init; }
}

/// <summary>A search over a mailbox's index; every given criterion must match.</summary>
/// <param name="Folder">Only this folder (by name).</param>
/// <param name="WithFlags">Only messages having all of these flags.</param>
/// <param name="WithoutFlags">Only messages having none of these flags.</param>
/// <param name="From">Only messages whose From contains this text (ASCII case-insensitive).</param>
/// <param name="Subject">Only messages whose Subject contains this text (ASCII case-insensitive).</param>
/// <param name="Since">Only messages dated at or after this instant.</param>
/// <param name="Before">Only messages dated before this instant.</param>
/// <param name="Limit">Page size, 1–<see cref="MaxLimit"/>.</param>
/// <param name="Cursor">The <see cref="MessagePage.NextCursor"/> of the previous page.</param>
[Immutable]
public sealed record MessageQuery(
    string? Folder = null, IReadOnlyList<string>? WithFlags = null, IReadOnlyList<string>? WithoutFlags = null, string? From = null,
    string? Subject = null, DateTimeOffset? Since = null, DateTimeOffset? Before = null, int Limit = 50, string? Cursor = null)
{
    /// <summary>Only messages rules tagged with this tag (case-insensitive, whole tag).</summary>
    public string? Tag { get; init; }

    /// <summary>Only messages rules gave this priority (high, normal, low).</summary>
    public string? Priority { get; init; }

    /// <summary>Largest page.</summary>
    public const int MaxLimit = 500;

    /// <summary>Longest From or Subject text.</summary>
    public const int MaxTextLength = 500;

    /// <summary>Most flags in each flag list.</summary>
    public const int MaxFlags = 20;
}

/// <summary>One page of messages, newest first.</summary>
/// <param name="Messages">The messages.</param>
/// <param name="NextCursor">Pass as <see cref="MessageQuery.Cursor"/> for the next page; null on the last page.</param>
[Immutable]
public sealed record MessagePage(IReadOnlyList<MessageInfo> Messages, string? NextCursor);

/// <summary>A parsed summary of one message.</summary>
/// <param name="Message">Its index row.</param>
/// <param name="Headers">Its top-level header fields in order, decoded.</param>
/// <param name="Root">The MIME tree.</param>
/// <param name="TextPreview">The start of its text (the text/plain body, else the rendered HTML body), whitespace collapsed.</param>
[Immutable]
public sealed record MessageSummary(MessageInfo Message, IReadOnlyList<MessageHeader> Headers, MessagePartInfo Root, string TextPreview);

/// <summary>A decoded header field.</summary>
/// <param name="Name">Field name.</param>
/// <param name="Value">Decoded, unfolded value.</param>
[Immutable]
public sealed record MessageHeader(string Name, string Value);

/// <summary>One MIME entity of a message.</summary>
/// <param name="Path">Its part number, IMAP style (<c>1</c>, <c>1.2</c>; empty for a single-part root).</param>
/// <param name="ContentType">Media type, e.g. <c>text/plain</c>.</param>
/// <param name="FileName">File name, if any.</param>
/// <param name="Disposition">Content-Disposition type (<c>inline</c>, <c>attachment</c>), if any.</param>
/// <param name="ContentId">Content-ID, if any.</param>
/// <param name="Size">Size of the encoded content in bytes.</param>
/// <param name="Children">Parts of a multipart, or the body of an attached message.</param>
[Immutable]
public sealed record MessagePartInfo(
    string Path, string ContentType, string? FileName, string? Disposition, string? ContentId, long Size, IReadOnlyList<MessagePartInfo> Children);

/// <summary>Where a moved message went.</summary>
/// <param name="Folder">Destination folder.</param>
/// <param name="UidValidity">Its UIDVALIDITY, when the server reported it (UIDPLUS); else 0.</param>
/// <param name="Uid">The message's UID there, when the server reported it; else 0.</param>
/// <param name="Indexed">Whether the destination row is already in the index (otherwise the next sync adds it).</param>
[Immutable]
public sealed record MovedMessage(string Folder, uint UidValidity, uint Uid, bool Indexed);

/// <summary>Progress of the sync run in progress.</summary>
/// <param name="FoldersTotal">Folders in the run.</param>
/// <param name="FoldersDone">Folders finished.</param>
/// <param name="MessagesFetched">New messages stored in this run so far.</param>
/// <param name="MessagesKnown">New messages found so far (fetched plus still to fetch in the current folder).</param>
/// <param name="Folder">The folder being fetched, if any.</param>
[Immutable]
public sealed record SyncProgress(int FoldersTotal, int FoldersDone, long MessagesFetched, long MessagesKnown, string? Folder);

/// <summary>The mailbox does not exist.</summary>
public sealed class MailboxNotFoundException(string key) : InvalidOperationException($"Mailbox '{key}' does not exist.")
{
    /// <summary>The mailbox's grain key.</summary>
    public string Key { get; } = key;
}

/// <summary>No message (or folder) of that name or UID is in the mailbox's index.</summary>
public sealed class MailboxItemNotFoundException(string message) : InvalidOperationException(message);
