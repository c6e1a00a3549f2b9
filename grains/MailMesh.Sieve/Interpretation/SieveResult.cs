using MailMesh.Sieve.Messages;

namespace MailMesh.Sieve.Interpretation;

/// <summary>A duplicate-tracking id (RFC 7352) to record once the message is delivered.</summary>
/// <param name="Key">The tracking key (handle and id).</param>
/// <param name="Expiry">How long to remember it.</param>
public sealed record DuplicateRecord(string Key, TimeSpan Expiry);

/// <summary>A vacation reply to record once it has been sent (for the :days/:seconds memory).</summary>
/// <param name="Handle">The vacation handle.</param>
/// <param name="Sender">The address replied to.</param>
/// <param name="Period">How long to suppress further replies.</param>
public sealed record VacationRecord(string Handle, string Sender, TimeSpan Period);

/// <summary>What one execution decided.</summary>
public sealed class SieveResult
{
    internal SieveResult(IReadOnlyList<SieveAction> actions, IReadOnlyList<SieveHeader>? editedHeaders, SieveRuntimeException? error,
        IReadOnlyList<DuplicateRecord> duplicates, IReadOnlyList<VacationRecord> vacations, IReadOnlyList<string> log, long steps)
    {
        Actions = actions;
        EditedHeaders = editedHeaders;
        Error = error;
        DuplicateRecords = duplicates;
        VacationRecords = vacations;
        Log = log;
        Steps = steps;
    }

    /// <summary>The actions in script order; ends with an implicit <see cref="KeepAction"/> when nothing cancelled it.</summary>
    public IReadOnlyList<SieveAction> Actions { get; }

    /// <summary>The header after editheader changes, or null when the script did not change it.</summary>
    public IReadOnlyList<SieveHeader>? EditedHeaders { get; }

    /// <summary>The run-time error, when the script failed; <see cref="Actions"/> is then a single implicit keep.</summary>
    public SieveRuntimeException? Error { get; }

    /// <summary>True when the script ran to the end without error.</summary>
    public bool Succeeded => Error is null;

    /// <summary>Duplicate ids to record with the duplicate tracker after successful delivery.</summary>
    public IReadOnlyList<DuplicateRecord> DuplicateRecords { get; }

    /// <summary>Vacation replies to record with the vacation tracker after they were sent.</summary>
    public IReadOnlyList<VacationRecord> VacationRecords { get; }

    /// <summary>Notes about decisions that produced no action (e.g. why no vacation reply was sent).</summary>
    public IReadOnlyList<string> Log { get; }

    /// <summary>How many commands and tests were evaluated.</summary>
    public long Steps { get; }

    /// <summary>Problems of the script found while running that did not stop it (worth showing its author).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>True when the result contains an implicit keep.</summary>
    public bool ImplicitKeep => Actions.Any(a => a is KeepAction { Implicit: true });
}
