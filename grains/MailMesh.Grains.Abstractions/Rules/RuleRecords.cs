using MailMesh.Runtime;

namespace MailMesh.Grains.Rules;

/// <summary>A new script version.</summary>
/// <param name="Source">The Sieve script (UTF-8 text).</param>
/// <param name="Activate">Make it the active script right away.</param>
/// <param name="Author">Who uploaded it (recorded with the version and in events).</param>
/// <param name="Comment">A note for the version history.</param>
[Immutable]
public sealed record UploadRuleScript(string Source, bool Activate, string? Author = null, string? Comment = null);

/// <summary>An error or warning of a script.</summary>
/// <param name="Severity">"error" or "warning".</param>
/// <param name="Line">1-based line.</param>
/// <param name="Column">1-based column.</param>
/// <param name="Message">What is wrong and what was expected.</param>
[Immutable]
public sealed record RuleDiagnostic(string Severity, int Line, int Column, string Message)
{
    /// <inheritdoc />
    public override string ToString() => $"line {Line}, column {Column}: {Severity}: {Message}";
}

/// <summary>The result of compiling a script.</summary>
/// <param name="Valid">True when it compiled.</param>
/// <param name="Diagnostics">Errors and warnings in script order.</param>
/// <param name="RequiredExtensions">The capabilities it requires.</param>
[Immutable]
public sealed record RuleValidation(bool Valid, IReadOnlyList<RuleDiagnostic> Diagnostics, IReadOnlyList<string> RequiredExtensions);

/// <summary>A stored script version without its source.</summary>
/// <param name="Version">1, 2, ...</param>
/// <param name="CreatedAt">When it was uploaded.</param>
/// <param name="Author">Who uploaded it.</param>
/// <param name="Comment">Its note.</param>
/// <param name="Size">Source size in bytes.</param>
/// <param name="Active">True for the active version.</param>
[Immutable]
public sealed record RuleScriptVersionInfo(int Version, DateTimeOffset CreatedAt, string? Author, string? Comment, int Size, bool Active);

/// <summary>A stored script version.</summary>
/// <param name="Info">Its metadata.</param>
/// <param name="Source">The script.</param>
/// <param name="Warnings">Warnings from compilation.</param>
[Immutable]
public sealed record RuleScriptVersion(RuleScriptVersionInfo Info, string Source, IReadOnlyList<RuleDiagnostic> Warnings);

/// <summary>The script was refused.</summary>
public sealed class RuleScriptInvalidException(string message, IReadOnlyList<RuleDiagnostic> diagnostics) : ArgumentException(message)
{
    /// <summary>Every error (and warning), with line and column.</summary>
    public IReadOnlyList<RuleDiagnostic> Diagnostics { get; } = diagnostics;
}

/// <summary>One action a script decided, in a form that crosses the call boundary and the API.</summary>
/// <param name="Kind">keep, fileinto, redirect, discard, vacation, reject, ereject, addflag-style flags are in <paramref name="Flags"/>;
/// vnd.mailmesh: assign, tag, priority, notify, retain, archive.</param>
/// <param name="Argument">The main argument: folder (fileinto), address (redirect, vacation recipient), user (assign), tag,
/// priority level, event name (notify), reason (reject), days (retain).</param>
/// <param name="Flags">IMAP flags to set with keep/fileinto.</param>
[Immutable]
public sealed record RuleAction(string Kind, string? Argument, IReadOnlyList<string> Flags)
{
    /// <summary>:copy (fileinto, redirect).</summary>
    public bool Copy { get; init; }

    /// <summary>:create (fileinto).</summary>
    public bool Create { get; init; }

    /// <summary>True for the implicit keep.</summary>
    public bool Implicit { get; init; }

    /// <summary>vacation: subject.</summary>
    public string? Subject { get; init; }

    /// <summary>vacation: body (reason); notify: message text.</summary>
    public string? Text { get; init; }

    /// <summary>vacation: From.</summary>
    public string? From { get; init; }

    /// <summary>vacation: :mime.</summary>
    public bool Mime { get; init; }

    /// <summary>vacation: the original Message-ID.</summary>
    public string? InReplyTo { get; init; }

    /// <summary>True when carrying the action out sends mail (redirect, vacation).</summary>
    public bool SendsMail => Kind is "redirect" or "vacation";

    /// <inheritdoc />
    public override string ToString() =>
        Kind + (Argument is null ? string.Empty : " \"" + Argument + "\"") + (Flags.Count == 0 ? string.Empty : " flags " + string.Join(' ', Flags))
        + (Copy ? " :copy" : string.Empty) + (Create ? " :create" : string.Empty) + (Implicit ? " (implicit)" : string.Empty);
}

/// <summary>A rule run the mailbox grain asks the rules grain to decide.</summary>
/// <param name="RunId">Unique per message: <c>folderId/uidValidity/uid</c>.</param>
/// <param name="BlobName">Where the raw MIME is.</param>
/// <param name="UserAddresses">The mailbox's addresses (vacation answers only mail sent to them).</param>
/// <param name="Folders">Folders that exist on the source.</param>
[Immutable]
public sealed record RuleRunRequest(string RunId, string BlobName, IReadOnlyList<string> UserAddresses, IReadOnlyList<string> Folders);

/// <summary>What the active script decided for one message.</summary>
/// <param name="RunId">The run.</param>
/// <param name="ScriptVersion">The version that ran; null when no script was active (implicit keep only).</param>
/// <param name="Actions">The actions in script order.</param>
/// <param name="Error">Why the script failed (the actions are then an implicit keep), or null.</param>
/// <param name="SpamScore">The spam score spamtest used, when it was asked for.</param>
[Immutable]
public sealed record RuleDecision(string RunId, int? ScriptVersion, IReadOnlyList<RuleAction> Actions, string? Error, double? SpamScore)
{
    /// <summary>True when the script failed.</summary>
    public bool Failed => Error is not null;

    /// <summary>The message as editheader (RFC 5293) left it, stored beside the original; null when the script changed no
    /// header. Kept and filed copies and redirects use it.</summary>
    public string? EditedBlobName { get; init; }
}

/// <summary>A dry run: a script over a stored message or given raw MIME.</summary>
/// <param name="Folder">Folder of the stored message (with <paramref name="Uid"/>).</param>
/// <param name="Uid">UID of the stored message.</param>
/// <param name="RawMessage">Raw MIME instead of a stored message.</param>
/// <param name="Version">Script version to run; the active one when null and <paramref name="Source"/> is null.</param>
/// <param name="Source">An unsaved script to run instead.</param>
[Immutable]
public sealed record RuleTestRequest(string? Folder, uint? Uid, byte[]? RawMessage, int? Version, string? Source);

/// <summary>The outcome of a dry run.</summary>
/// <param name="Actions">The actions the script decides (none applied).</param>
/// <param name="Error">The run-time error, or null.</param>
/// <param name="Log">Notes on decisions without an action (e.g. why no vacation reply would be sent).</param>
/// <param name="SpamScore">The spam score, when spamtest was used.</param>
/// <param name="ScriptVersion">The version run, or null for an unsaved script.</param>
[Immutable]
public sealed record RuleDryRun(IReadOnlyList<RuleAction> Actions, string? Error, IReadOnlyList<string> Log, double? SpamScore, int? ScriptVersion);
