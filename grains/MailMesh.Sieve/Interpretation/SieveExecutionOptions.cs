namespace MailMesh.Sieve.Interpretation;

/// <summary>How a score header is read.</summary>
public enum SieveScoreKind
{
    /// <summary>A number (e.g. SpamAssassin's score), scaled against the maximum.</summary>
    Score,

    /// <summary>The length of the value (e.g. "*****"), scaled against the maximum.</summary>
    Strlen,

    /// <summary>A text mapped to a level through <see cref="SieveScoreHeader.TextValues"/>.</summary>
    Text,
}

/// <summary>How spamtest/virustest read their score from a header (RFC 5235).</summary>
/// <param name="HeaderName">The header carrying the score, e.g. X-Spam-Score.</param>
/// <param name="MaxValue">The score that maps to the top of the scale (10 for spamtest, 5 for virustest).</param>
/// <param name="ValuePattern">A regex whose first group is the value; by default the first number (or the whole value).</param>
public sealed record SieveScoreHeader(string HeaderName, double MaxValue, string? ValuePattern = null)
{
    /// <summary>How the value is interpreted.</summary>
    public SieveScoreKind Kind { get; init; } = SieveScoreKind.Score;

    /// <summary>For <see cref="SieveScoreKind.Text"/>: the text that means each level (1..10 spamtest, 1..5 virustest).</summary>
    public IReadOnlyDictionary<int, string>? TextValues { get; init; }

    /// <summary>A header holding the maximum score, when it varies per message (e.g. "required=5.0").</summary>
    public string? MaxHeaderName { get; init; }

    /// <summary>A regex whose first group is the maximum in <see cref="MaxHeaderName"/>.</summary>
    public string? MaxValuePattern { get; init; }
}

/// <summary>The environment of one execution: services, clock, identity and settings.</summary>
public sealed record SieveExecutionOptions
{
    /// <summary>The clock for currentdate, vacation and duplicate.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>The zone used by currentdate and date without :zone (default: UTC).</summary>
    public TimeSpan LocalZone { get; init; } = TimeSpan.Zero;

    /// <summary>Limits on the execution.</summary>
    public SieveLimits Limits { get; init; } = new();

    /// <summary>Vacation memory; without it every vacation produces a reply.</summary>
    public IVacationTracker? VacationTracker { get; init; }

    /// <summary>Duplicate memory; without it the duplicate test is always false.</summary>
    public IDuplicateTracker? DuplicateTracker { get; init; }

    /// <summary>Finds included scripts; without it include fails (unless :optional).</summary>
    public ISieveScriptResolver? ScriptResolver { get; init; }

    /// <summary>Answers mailboxexists; without it only <see cref="ExistingMailboxes"/> exist.</summary>
    public IMailboxCatalog? Mailboxes { get; init; }

    /// <summary>Mailboxes known to exist when no <see cref="Mailboxes"/> catalog is given.</summary>
    public IReadOnlyCollection<string> ExistingMailboxes { get; init; } = ["INBOX"];

    /// <summary>The user's own addresses (vacation replies only when one of them was a recipient).</summary>
    public IReadOnlyList<string> UserAddresses { get; init; } = [];

    /// <summary>
    /// Reply to vacation only when one of the user's addresses (<see cref="UserAddresses"/>,
    /// :addresses, the envelope recipient) is among To/Cc/Bcc (RFC 5230 section 4.5 SHOULD). The check needs a
    /// known recipient: it is skipped when neither the envelope recipient nor <see cref="UserAddresses"/> is known.
    /// </summary>
    public bool VacationChecksRecipient { get; init; } = true;

    /// <summary>Separator characters between user and detail for subaddress (RFC 5233); each character separates.</summary>
    public string SubaddressSeparator { get; init; } = "+";

    /// <summary>Where spamtest reads its score; null makes spamtest report "not tested".</summary>
    public SieveScoreHeader? SpamScore { get; init; }

    /// <summary>Where virustest reads its score; null makes virustest report "not tested".</summary>
    public SieveScoreHeader? VirusScore { get; init; }

    /// <summary>Smallest allowed vacation period (RFC 5230 allows servers to raise :days).</summary>
    public TimeSpan MinVacationPeriod { get; init; } = TimeSpan.FromDays(1);

    /// <summary>Vacation period when neither :days nor :seconds is given.</summary>
    public TimeSpan DefaultVacationPeriod { get; init; } = TimeSpan.FromDays(7);

    /// <summary>Largest allowed vacation period.</summary>
    public TimeSpan MaxVacationPeriod { get; init; } = TimeSpan.FromDays(90);

    /// <summary>Default expiry of duplicate ids (RFC 7352 :seconds default).</summary>
    public TimeSpan DefaultDuplicatePeriod { get; init; } = TimeSpan.FromDays(1);

    /// <summary>Longest allowed duplicate expiry.</summary>
    public TimeSpan MaxDuplicatePeriod { get; init; } = TimeSpan.FromDays(7);

    /// <summary>
    /// Run scripts by walking their syntax tree (the reference interpreter) instead of their compiled program.
    /// Both decide the same; the reference path is kept to check that (tests run both and compare).
    /// </summary>
    public bool UseReferenceInterpreter { get; init; }

    /// <summary>Headers that editheader must not add or delete (RFC 5293 section 6), besides Received.</summary>
    public IReadOnlyCollection<string> ProtectedHeaders { get; init; } = ["received", "auto-submitted"];
}
