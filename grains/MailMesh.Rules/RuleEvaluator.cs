using System.Globalization;
using MailMesh.Mime;
using MailMesh.Rules.Messages;
using MailMesh.Rules.Spam;
using MailMesh.Sieve;
using MailMesh.Sieve.Interpretation;
using MailMesh.Sieve.Messages;

namespace MailMesh.Rules;

/// <summary>The per-message environment of an evaluation.</summary>
public sealed record RuleContext
{
    /// <summary>The SMTP envelope, when known (messages synced from a mail server usually carry only Return-Path).</summary>
    public SieveEnvelope Envelope { get; init; } = SieveEnvelope.Unknown;

    /// <summary>The mailbox owner's addresses (vacation replies only to mail sent to one of them).</summary>
    public IReadOnlyList<string> UserAddresses { get; init; } = [];

    /// <summary>Vacation memory.</summary>
    public IVacationTracker? Vacation { get; init; }

    /// <summary>Duplicate memory.</summary>
    public IDuplicateTracker? Duplicates { get; init; }

    /// <summary>Folders that exist (mailboxexists, fileinto without :create).</summary>
    public IReadOnlyCollection<string>? ExistingMailboxes { get; init; }
}

/// <summary>The outcome of one evaluation.</summary>
/// <param name="Result">What the interpreter decided (a single implicit keep on any failure).</param>
/// <param name="Spam">The spam score used by spamtest, when the script asked for one and the scorer gave one.</param>
/// <param name="Error">Why the script could not be run to the end (message unparsable, run-time error), or null.</param>
public sealed record RuleEvaluation(SieveResult Result, SpamScore? Spam, string? Error)
{
    /// <summary>The decided actions (ends with an implicit keep when nothing cancelled it).</summary>
    public IReadOnlyList<SieveAction> Actions => Result.Actions;
}

/// <summary>
/// Runs compiled scripts over raw messages: parses the MIME, asks the spam scorer when the script uses
/// spamtest, and never throws for a bad message or a failing script (the result is then an implicit keep
/// with <see cref="RuleEvaluation.Error"/> set). Thread-safe.
/// </summary>
public sealed class RuleEvaluator
{
    /// <summary>The header that carries the computed spam score to spamtest. A copy of it in a message (which
    /// a sender could forge) is hidden from scripts.</summary>
    public const string SpamScoreHeader = "X-MailMesh-Spam-Score";

    private static readonly HashSet<string> Hidden = new(StringComparer.OrdinalIgnoreCase) { SpamScoreHeader };
    private static readonly SieveResult ParseFailureResult = CreateKeepResult();
    private readonly ISpamScorer? _scorer;
    private readonly SieveExecutionOptions _baseOptions;
    private readonly SieveInterpreter _defaultInterpreter;

    /// <summary>Creates an evaluator.</summary>
    /// <param name="scorer">The spam scorer; without one spamtest reports "not tested".</param>
    /// <param name="options">Limits, clock and settings common to every evaluation.</param>
    public RuleEvaluator(ISpamScorer? scorer = null, SieveExecutionOptions? options = null)
    {
        _scorer = scorer;
        _baseOptions = options ?? new SieveExecutionOptions();
        _defaultInterpreter = new SieveInterpreter(_baseOptions);
    }

    /// <summary>Evaluates <paramref name="script"/> over the raw message <paramref name="raw"/>.</summary>
    public async Task<RuleEvaluation> EvaluateAsync(SieveScript script, ReadOnlyMemory<byte> raw, RuleContext? context = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(script);
        MimeMessage parsed;
        try
        {
            parsed = MimeMessage.Parse(raw);
        }
        catch (MimeFormatException e)
        {
            return new RuleEvaluation(ParseFailureResult, null, "the message could not be parsed: " + e.Message);
        }

        using (parsed)
        {
            SpamScore? spam = null;
            if (_scorer is not null && UsesSpamTest(script))
            {
                spam = await _scorer.ScoreAsync(raw, parsed, cancellationToken).ConfigureAwait(false);
            }

            return Evaluate(script, parsed, raw.Length, spam, context, cancellationToken);
        }
    }

    /// <summary>Evaluates over an already parsed message (the spam score, when wanted, given by the caller).</summary>
    public RuleEvaluation Evaluate(SieveScript script, MimeMessage message, long size, SpamScore? spam = null, RuleContext? context = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(script);
        ArgumentNullException.ThrowIfNull(message);
        IReadOnlyList<SieveHeader>? extra = spam is null ? null :
            [new SieveHeader(SpamScoreHeader, string.Create(CultureInfo.InvariantCulture, $"{spam.Score:0.0#} / {ScaleMax(spam):0.0#}"))];
        var adapted = new MimeSieveMessage(message, size, extra, Hidden);
        var interpreter = context is null && spam is null ? _defaultInterpreter : new SieveInterpreter(OptionsFor(context, spam));
        var result = interpreter.Execute(script, adapted, context?.Envelope, cancellationToken);
        return new RuleEvaluation(result, spam, result.Error?.Message);
    }

    /// <summary>True when the script requires spamtest or spamtestplus (only then is the scorer asked).</summary>
    public static bool UsesSpamTest(SieveScript script) =>
        script.RequiredExtensions.Contains("spamtest") || script.RequiredExtensions.Contains("spamtestplus");

    private SieveExecutionOptions OptionsFor(RuleContext? context, SpamScore? spam)
    {
        var options = _baseOptions;
        if (context is not null)
        {
            options = options with
            {
                UserAddresses = context.UserAddresses,
                VacationTracker = context.Vacation ?? options.VacationTracker,
                DuplicateTracker = context.Duplicates ?? options.DuplicateTracker,
                ExistingMailboxes = context.ExistingMailboxes ?? options.ExistingMailboxes,
            };
        }

        if (spam is not null)
        {
            // The threshold sits in the middle of the scale: spamtest 6 of 10 at exactly "spam".
            options = options with
            {
                SpamScore = new SieveScoreHeader(SpamScoreHeader, ScaleMax(spam)) { MaxHeaderName = SpamScoreHeader, MaxValuePattern = @"/ *([0-9.]+)" },
            };
        }

        return options;
    }

    private static double ScaleMax(SpamScore spam) => spam.Threshold > 0 ? spam.Threshold * 2 : 10;

    private static SieveResult CreateKeepResult()
    {
        // A result with only the implicit keep, from running an empty script.
        var empty = new SieveCompiler().CompileOrThrow(string.Empty);
        return new SieveInterpreter().Execute(empty, new EmptyMessage());
    }

    private sealed class EmptyMessage : ISieveMessage, ISieveMimePart
    {
        public long Size => 0;

        public IReadOnlyList<SieveHeader> Headers => [];

        public ISieveMimePart Root => this;

        public string ContentType => "text/plain";

        public IReadOnlyList<ISieveMimePart> Children => [];

        public string RawContent => string.Empty;

        public string? DecodedText => string.Empty;
    }
}
