namespace MailMesh.Protocols.Smtp;

/// <summary>Hands finished messages to a relay: the seam between campaign sending and SMTP. The implementation pools
/// connections per relay and never throws for what a relay answers or for a dropped connection: every recipient gets an
/// outcome.</summary>
public interface IMailSubmitter
{
    /// <summary>Submits <paramref name="mail"/> and reports each recipient's outcome.</summary>
    /// <exception cref="OperationCanceledException">Cancelled before an outcome was known.</exception>
    Task<SubmissionResult> SubmitAsync(MailSubmission mail, CancellationToken cancellationToken = default);

    /// <summary>Submits <paramref name="mail"/> and hands the finished submission (its result, or the fault that stopped
    /// it) to <paramref name="receiver"/> with <paramref name="state"/>, once, on whatever thread finished it: a caller
    /// that gathers many submissions' results needs no continuation of its own per message. Never throws: a submission
    /// that cannot start reaches the receiver faulted.</summary>
    void Submit(MailSubmission mail, ISubmissionReceiver receiver, object? state)
    {
        ArgumentNullException.ThrowIfNull(receiver);
        Task<SubmissionResult> submission;
        try
        {
            submission = SubmitAsync(mail);
        }
        catch (Exception e)
        {
            submission = Task.FromException<SubmissionResult>(e);
        }

        submission.ContinueWith(
            static (done, s) =>
            {
                var (to, state) = ((ISubmissionReceiver, object?))s!;
                to.Received(done, state);
            },
            (receiver, state), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }
}

/// <summary>Takes the finished submissions of <see cref="IMailSubmitter.Submit"/>.</summary>
public interface ISubmissionReceiver
{
    /// <summary>Called once per submission with its finished task (completed, faulted or cancelled) and the caller's
    /// state, on the thread that finished it (a relay session's own, in the pool): it must return quickly and never
    /// block or throw.</summary>
    void Received(Task<SubmissionResult> submission, object? state);
}

/// <summary>What DSN notifications to ask for (RFC 3461 NOTIFY); only sent when the relay offers DSN.</summary>
[Flags]
public enum DsnNotify
{
    /// <summary>No NOTIFY parameter.</summary>
    None = 0,

    /// <summary>NOTIFY=NEVER.</summary>
    Never = 1,

    /// <summary>On success.</summary>
    Success = 2,

    /// <summary>On failure.</summary>
    Failure = 4,

    /// <summary>On delay.</summary>
    Delay = 8,
}

/// <summary>One message to submit.</summary>
/// <param name="EnvelopeFrom">MAIL FROM (the per-recipient return path for campaign mail).</param>
/// <param name="Recipients">RCPT TO addresses.</param>
/// <param name="Content">The whole message (CRLF line ends; the client dot-stuffs or uses BDAT).</param>
public sealed record MailSubmission(string EnvelopeFrom, IReadOnlyList<string> Recipients, ReadOnlyMemory<byte> Content)
{
    /// <summary>RFC 3461 ENVID.</summary>
    public string? EnvelopeId { get; init; }

    /// <summary>RFC 3461 RET=HDRS (true) or RET=FULL (false); null leaves it out.</summary>
    public bool? ReturnHeadersOnly { get; init; }

    /// <summary>RFC 3461 NOTIFY for every recipient.</summary>
    public DsnNotify Notify { get; init; }

    /// <summary>Whether the message or an address needs SMTPUTF8 (the submitter fails the recipients when the relay lacks it).</summary>
    public bool RequiresSmtpUtf8 { get; init; }
}

/// <summary>What became of one recipient.</summary>
public enum SubmissionStatus
{
    /// <summary>Accepted by the relay (2xx).</summary>
    Accepted = 0,

    /// <summary>A temporary failure: 4xx, or the connection failed, dropped, stalled or answered garbage. Retry later.</summary>
    Deferred = 1,

    /// <summary>A permanent failure: 5xx, or the message cannot be sent through this relay (too big, needs SMTPUTF8).</summary>
    Failed = 2,
}

/// <summary>One recipient's outcome.</summary>
/// <param name="Address">The recipient.</param>
/// <param name="Status">Accepted, deferred or failed.</param>
/// <param name="Code">The SMTP reply code (0 when no reply: connection failures).</param>
/// <param name="EnhancedCode">The RFC 3463 enhanced status code, when the reply had one.</param>
/// <param name="Reply">The reply text, or what went wrong.</param>
public sealed record RecipientOutcome(string Address, SubmissionStatus Status, int Code, string? EnhancedCode, string Reply);

/// <summary>The outcome of one submission.</summary>
/// <param name="Recipients">One outcome per recipient, in the order given.</param>
/// <param name="Relay">The relay that answered (host:port).</param>
public sealed record SubmissionResult(IReadOnlyList<RecipientOutcome> Recipients, string Relay);
