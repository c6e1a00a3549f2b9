using MailMesh.Protocols.Sasl;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MailMesh.Protocols.Smtp;

/// <summary>
/// The pooled <see cref="IMailSubmitter"/> for one relay: at most <see cref="SmtpRelayOptions.MaxConnections"/> sessions,
/// each reused for up to <see cref="SmtpRelayOptions.MaxMessagesPerConnection"/> messages (most recently used first) and
/// closed after <see cref="SmtpRelayOptions.IdleTimeout"/> unused. Submissions wait in one queue; a session takes the
/// next one as soon as it has sent the data of the last, and with PIPELINING (and DATA) writes its commands behind that
/// data, so a busy session needs one round trip per message (docs/adr/campaigns-07-pipelined-submissions.md). A session is reset (RSET) after any incomplete
/// transaction before it goes back to the pool. A pooled session the relay closed meanwhile is replaced and the message
/// sent again on a new one, once, when nothing of it had been answered. Every relay answer and failure becomes a
/// per-recipient outcome: 2xx accepted, 4xx and connection failures (refused, dropped, stalled, garbage) deferred with the
/// reason, 5xx and messages this relay cannot take (SIZE, SMTPUTF8, 8BITMIME, lines over 998 octets) failed.
/// </summary>
public sealed partial class SmtpRelayPool : IMailSubmitter, IAsyncDisposable
{
    private readonly SmtpRelayOptions _options;
    private readonly SmtpClientOptions _clientOptions;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Queue<Submission> _queue = new();
    private readonly Lock _lock = new();
    private readonly Stack<PooledSession> _idle = new();
    private readonly ITimer _sweeper;
    private int _runners;
    private int _open;
    private long _opened;
    private bool _disposed;

    /// <summary>Creates the pool; nothing connects until the first submission.</summary>
    /// <exception cref="ArgumentException">The options are invalid; the message lists every problem with its key.</exception>
    public SmtpRelayPool(SmtpRelayOptions options, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid SMTP relay settings: " + string.Join(" ", errors), nameof(options));
        }

        _options = options;
        _time = timeProvider ?? TimeProvider.System;
        _clientOptions = options.ClientOptions(_time);
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger<SmtpRelayPool>();
        var sweep = options.IdleTimeout / 2 < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : options.IdleTimeout / 2;
        _sweeper = _time.CreateTimer(static state => ((SmtpRelayPool)state!).SweepIdle(), this, sweep, sweep);
    }

    /// <summary>The relay as host:port.</summary>
    public string Relay => _options.Relay;

    /// <summary>Sessions open now (in use or idle).</summary>
    public int OpenConnections => Volatile.Read(ref _open);

    /// <summary>Sessions opened since the pool was created (a pool that reuses well opens few).</summary>
    public long ConnectionsOpened => Interlocked.Read(ref _opened);

    /// <summary>Idle sessions waiting for reuse.</summary>
    public int IdleConnections
    {
        get
        {
            lock (_lock)
            {
                return _idle.Count;
            }
        }
    }

    /// <inheritdoc />
    /// <remarks>Without a cancellation token the caller awaits the queued submission itself: the runner's reply resumes
    /// the caller directly (on its scheduler, or the thread pool), where a continuation of this method first took a
    /// thread-pool work item of its own for every message.</remarks>
    public Task<SubmissionResult> SubmitAsync(MailSubmission mail, CancellationToken cancellationToken = default)
    {
        var envelope = Admit(mail, out var outcomes);
        if (envelope is null)
        {
            return Task.FromResult(Result(outcomes));
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<SubmissionResult>(cancellationToken);
        }

        // The submission completes its continuations asynchronously, so a caller never runs on the runner's thread.
        var submission = new Submission(mail, envelope, outcomes, cancellationToken, receiver: null, state: null);
        Enqueue(submission);
        return cancellationToken.CanBeCanceled ? CancellableAsync(submission, cancellationToken) : submission.Task;
    }

    /// <inheritdoc />
    /// <remarks>The runner that finishes the submission calls <paramref name="receiver"/> itself, right after the relay's
    /// answer: no continuation, thread-pool work item or scheduler post per message
    /// (docs/adr/campaigns-22-reply-groups.md).</remarks>
    public void Submit(MailSubmission mail, ISubmissionReceiver receiver, object? state)
    {
        ArgumentNullException.ThrowIfNull(receiver);
        Submission? submission = null;
        Task<SubmissionResult> finished;
        try
        {
            var envelope = Admit(mail, out var outcomes);
            if (envelope is not null)
            {
                submission = new Submission(mail, envelope, outcomes, CancellationToken.None, receiver, state);
                Enqueue(submission);
                return;
            }

            finished = Task.FromResult(Result(outcomes));
        }
        catch (Exception e)
        {
            if (submission is not null)
            {
                // Queued or not, it finishes once, through its receiver.
                submission.TrySetException(e);
                return;
            }

            finished = Task.FromException<SubmissionResult>(e);
        }

        receiver.Received(finished, state);
    }

    /// <summary>Checks <paramref name="mail"/> and the pool, and makes the envelope of the recipients the relay must take:
    /// null when none (every outcome is then known in <paramref name="outcomes"/>).</summary>
    private SmtpEnvelope? Admit(MailSubmission mail, out RecipientOutcome?[] outcomes)
    {
        ArgumentNullException.ThrowIfNull(mail);
        ArgumentNullException.ThrowIfNull(mail.Recipients);
        ObjectDisposedException.ThrowIf(_disposed, this);
        outcomes = new RecipientOutcome?[mail.Recipients.Count];
        return Prepare(mail, outcomes);
    }

    private void Enqueue(Submission submission)
    {
        bool start;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _queue.Enqueue(submission);
            start = _runners < _options.MaxConnections;
            if (start)
            {
                _runners++;
            }
        }

        if (start)
        {
            StartRunner();
        }
    }

    /// <summary>Waits for a submission whose caller may cancel it while it is queued.</summary>
    private static async Task<SubmissionResult> CancellableAsync(Submission submission, CancellationToken cancellationToken)
    {
        using var registration = cancellationToken.UnsafeRegister(static state => ((Submission)state!).CancelWhileQueued(), submission);
        return await submission.Task.ConfigureAwait(false);
    }

    /// <summary>Checks the addresses: a malformed recipient fails alone; a malformed reverse path fails them all.
    /// Returns null when nothing is left to send.</summary>
    private static SmtpEnvelope? Prepare(MailSubmission mail, RecipientOutcome?[] outcomes)
    {
        if (!IsMailbox(mail.EnvelopeFrom, allowEmpty: true))
        {
            for (var i = 0; i < outcomes.Length; i++)
            {
                outcomes[i] = new RecipientOutcome(mail.Recipients[i], SubmissionStatus.Failed, 0, null,
                    $"The reverse path '{mail.EnvelopeFrom}' is not a mailbox of the form local@domain.");
            }

            return null;
        }

        var valid = new List<string>(mail.Recipients.Count);
        for (var i = 0; i < outcomes.Length; i++)
        {
            var recipient = mail.Recipients[i];
            if (IsMailbox(recipient, allowEmpty: false))
            {
                valid.Add(recipient);
            }
            else
            {
                outcomes[i] = new RecipientOutcome(recipient ?? string.Empty, SubmissionStatus.Failed, 0, null,
                    $"'{recipient}' is not a mailbox of the form local@domain (no spaces, angle brackets or line breaks).");
            }
        }

        return valid.Count == 0
            ? null
            : new SmtpEnvelope(mail.EnvelopeFrom, valid)
            {
                EnvelopeId = mail.EnvelopeId,
                ReturnHeadersOnly = mail.ReturnHeadersOnly,
                Notify = mail.Notify,
                RequiresSmtpUtf8 = mail.RequiresSmtpUtf8,
            };
    }

    private static bool IsMailbox(string? address, bool allowEmpty) => SmtpClient.IsMailbox(address, allowEmpty);

    /// <summary>Turns the replies into outcomes for the recipients still open (in envelope order).</summary>
    private static void Map(MailSubmission mail, SmtpTransactionResult result, RecipientOutcome?[] outcomes)
    {
        var sent = 0;
        for (var i = 0; i < outcomes.Length; i++)
        {
            if (outcomes[i] is not null)
            {
                continue;
            }

            var address = mail.Recipients[i];
            var reply = !result.Mail.IsPositive ? result.Mail
                : result.Recipients[sent] is not { } rcpt ? null
                : !rcpt.IsPositive ? rcpt
                : result.Data;
            sent++;
            outcomes[i] = reply is null
                ? new RecipientOutcome(address, SubmissionStatus.Deferred, 0, null, "The relay ended the transaction before this recipient was offered.")
                : new RecipientOutcome(address, Status(reply), reply.Code, reply.EnhancedCode, reply.Text);
        }
    }

    private static SubmissionStatus Status(SmtpResponse reply) =>
        reply.IsPositive ? SubmissionStatus.Accepted : reply.IsTransientFailure ? SubmissionStatus.Deferred : SubmissionStatus.Failed;

    private static void Fill(MailSubmission mail, RecipientOutcome?[] outcomes, SubmissionStatus status, int code, string? enhancedCode, string reason)
    {
        for (var i = 0; i < outcomes.Length; i++)
        {
            outcomes[i] ??= new RecipientOutcome(mail.Recipients[i], status, code, enhancedCode, reason);
        }
    }

    private SubmissionResult Result(RecipientOutcome?[] outcomes) => new(outcomes.Select(o => o!).ToArray(), Relay);

    private async Task<PooledSession> OpenAsync(CancellationToken cancellationToken)
    {
        var client = new SmtpClient(_clientOptions, _loggerFactory.CreateLogger<SmtpClient>());
        Interlocked.Increment(ref _open);
        Interlocked.Increment(ref _opened);
        try
        {
            await client.ConnectAsync(cancellationToken).ConfigureAwait(false);
            if (!string.IsNullOrEmpty(_options.User))
            {
                var password = _options.Password ?? string.Empty;
                var login = _options.Auth switch
                {
                    SmtpRelayAuth.Plain => client.AuthenticateAsync(new SaslPlain(_options.User, password), cancellationToken),
                    SmtpRelayAuth.Login => client.AuthenticateAsync(new SaslLogin(_options.User, password), cancellationToken),
                    SmtpRelayAuth.XOAuth2 => client.AuthenticateXOAuth2Async(_options.User, password, cancellationToken),
                    _ => client.AuthenticateAsync(_options.User, password, cancellationToken),
                };
                await login.ConfigureAwait(false);
            }

            if (_options.RepliesOnSocketThread)
            {
                // Only once the session is open: connecting, TLS and AUTH stay off the event thread.
                client.ReadOnSocketThread();
            }

            PoolLog.Opened(_logger, Relay, client.Capabilities.Pipelining, client.Capabilities.Chunking);
            return new PooledSession(client);
        }
        catch (Exception e)
        {
            PoolLog.OpenFailed(_logger, Relay, e.Message);
            Interlocked.Decrement(ref _open);
            await client.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private sealed class PooledSession(SmtpClient client)
    {
        public SmtpClient Client { get; } = client;

        public int Messages { get; set; }

        public DateTimeOffset LastUsed { get; set; }

        public bool Closed { get; set; }

        /// <summary>True once a transaction was tried on the session: a failure before any reply then means the relay
        /// closed it meanwhile.</summary>
        public bool Used { get; set; }
    }
}
