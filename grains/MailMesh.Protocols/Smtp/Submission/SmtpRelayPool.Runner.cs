using System.Diagnostics;
using MailMesh.Protocols.Smtp.Internal;

namespace MailMesh.Protocols.Smtp;

/// <summary>The sessions' side of the queue: each busy session is driven by a runner that sends queued submissions one
/// after the other, announcing the next one behind the data of the last (RFC 2920 section 3.1).</summary>
public sealed partial class SmtpRelayPool
{
    private void StartRunner()
    {
        // A runner serves many submitters: it must not carry the first one's execution context (its Activity, its
        // scheduler's locals) into the others' transactions.
        using (ExecutionContext.SuppressFlow())
        {
            _ = Task.Run(new SessionRunner(this).RunAsync);
        }
    }

    /// <summary>After a runner's fault: one runner fewer, and another started when submissions still wait.</summary>
    private void RunnerStopped()
    {
        bool restart;
        lock (_lock)
        {
            restart = _queue.Count > 0;
            if (!restart)
            {
                _runners--;
            }
        }

        if (restart)
        {
            StartRunner();
        }
    }

    /// <summary>The next queued submission not cancelled meanwhile, or null.</summary>
    private Submission? TakeQueued()
    {
        lock (_lock)
        {
            while (_queue.TryDequeue(out var submission))
            {
                if (submission.TryTake())
                {
                    return submission;
                }
            }

            return null;
        }
    }

    /// <summary>The next queued submission for a runner, or null when the queue is empty: the runner then ends, its
    /// session back among the idle ones (or in <paramref name="close"/> when it cannot go back).</summary>
    private Submission? NextOrStop(PooledSession? session, out PooledSession? close)
    {
        close = null;
        lock (_lock)
        {
            while (_queue.TryDequeue(out var submission))
            {
                if (submission.TryTake())
                {
                    return submission;
                }
            }

            _runners--;
            if (session is not null)
            {
                if (!_disposed && session.Client.State == SmtpSessionState.Ready && session.Messages < _options.MaxMessagesPerConnection)
                {
                    session.LastUsed = _time.GetUtcNow();
                    _idle.Push(session);
                }
                else
                {
                    close = session;
                }
            }

            return null;
        }
    }

    /// <summary>Sends queued submissions on one session (opened or taken from the idle ones when needed) until the
    /// queue is empty.</summary>
    private sealed class SessionRunner(SmtpRelayPool pool)
    {
        private PooledSession? _session;
        private Submission? _announced;
        private Func<SmtpPreparedTransaction?>? _announce;

        public async Task RunAsync()
        {
            Submission? submission = null;
            try
            {
                while (true)
                {
                    if (submission is null)
                    {
                        submission = pool.NextOrStop(_session, out var close);
                        if (submission is null)
                        {
                            _session = null;
                            if (close is not null)
                            {
                                await pool.ReturnAsync(close).ConfigureAwait(false);
                            }

                            return;
                        }
                    }

                    submission = await SendAsync(submission).ConfigureAwait(false);
                }
            }
            catch (Exception e)
            {
                // A fault of the pool itself, not of the relay: the submissions in hand fail, the queue goes on.
                PoolLog.RunnerFailed(pool._logger, pool.Relay, e);
                if (_session is { } session)
                {
                    Drop(session);
                }

                foreach (var orphan in new[] { submission, TakeAnnounced() })
                {
                    orphan?.TrySetException(e);
                }

                pool.RunnerStopped();
            }
        }

        /// <summary>Sends <paramref name="submission"/> and completes it; returns what this runner sends next: the
        /// submission announced behind it, or the same one again on a new session when the pooled session was found
        /// closed before any reply.</summary>
        private async Task<Submission?> SendAsync(Submission submission)
        {
            var mail = submission.Mail;
            var session = _session ??= pool.TakeIdle();
            if (session is null)
            {
                try
                {
                    session = _session = await pool.OpenAsync(submission.CancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is SmtpProtocolException or SmtpCommandException or InvalidOperationException)
                {
                    var code = (e as SmtpCommandException)?.Code ?? 0;
                    Fill(mail, submission.Outcomes, SubmissionStatus.Deferred, code, (e as SmtpCommandException)?.ResponseCode,
                        $"Could not open a session with the relay {pool.Relay}: {e.Message}");
                    submission.TrySetResult(pool.Result(submission.Outcomes));
                    return null;
                }
                catch (Exception e)
                {
                    Abandon(submission, e);
                    return null;
                }
            }

            var transaction = submission.Transaction is { } announced && ReferenceEquals(announced.Session, session.Client) ? announced : null;
            submission.Transaction = null;
            if (transaction is null && (transaction = PrepareOrFail(session, submission)) is null)
            {
                return null;
            }

            var reused = session.Used;
            session.Used = true;
            _announced = null;
            if (submission.Parent != Activity.Current)
            {
                Activity.Current = submission.Parent;
            }

            try
            {
                var result = await session.Client.SendPreparedAsync(transaction, _announce ??= Announce, submission.CancellationToken).ConfigureAwait(false);
                session.Messages++;
                Map(mail, result, submission.Outcomes);
                submission.TrySetResult(pool.Result(submission.Outcomes));
                if (_announced is null && session.Messages >= pool._options.MaxMessagesPerConnection)
                {
                    _session = null;
                    await pool.QuitAsync(session).ConfigureAwait(false);
                }

                return TakeAnnounced();
            }
            catch (SmtpProtocolException e) when (!submission.CancellationToken.IsCancellationRequested)
            {
                Drop(session);
                if (reused && submission.Attempts == 0 && session.Client.TransactionRepliesRead == 0 && e.Kind is ProtocolFailureKind.Network or ProtocolFailureKind.ServerClosed)
                {
                    // The relay closed the pooled session while it sat idle: nothing of this message was answered.
                    PoolLog.StaleSession(pool._logger, pool.Relay, e.Message);
                    submission.Attempts++;
                    return submission;
                }

                var reason = session.Client.TransactionDataSent
                    ? $"The session with the relay {pool.Relay} failed after the message data was sent, so it may have been delivered: {e.Message}"
                    : $"The session with the relay {pool.Relay} failed: {e.Message}";
                Fill(mail, submission.Outcomes, SubmissionStatus.Deferred, 0, null, reason);
                submission.TrySetResult(pool.Result(submission.Outcomes));
                return TakeAnnounced();
            }
            catch (Exception e)
            {
                Drop(session);
                Abandon(submission, e);
                return TakeAnnounced();
            }
        }

        /// <summary>Checks the submission against the session's extensions; a message this relay cannot take fails
        /// (the session stays usable).</summary>
        private SmtpPreparedTransaction? PrepareOrFail(PooledSession session, Submission submission)
        {
            string reason;
            try
            {
                return session.Client.Prepare(submission.Envelope, submission.Mail.Content);
            }
            catch (SmtpMessageException e)
            {
                reason = e.Message;
            }
            catch (ArgumentException e)
            {
                reason = "The submission is invalid: " + e.Message;
            }

            Fill(submission.Mail, submission.Outcomes, SubmissionStatus.Failed, 0, null, reason);
            submission.TrySetResult(pool.Result(submission.Outcomes));
            return null;
        }

        /// <summary>The client's question once DATA is answered with 354: the next queued submission, prepared for this
        /// session, whose commands go out behind this message's data. None when the session will close after this
        /// message.</summary>
        private SmtpPreparedTransaction? Announce()
        {
            var session = _session!;
            if (session.Messages + 2 > pool._options.MaxMessagesPerConnection)
            {
                return null;
            }

            while (pool.TakeQueued() is { } next)
            {
                if (PrepareOrFail(session, next) is { } transaction)
                {
                    next.Transaction = transaction;
                    _announced = next;
                    return transaction;
                }
            }

            return null;
        }

        /// <summary>The submission announced behind the last message: sent next on this session, or from the start on
        /// another when this one broke (then nothing of it was answered).</summary>
        private Submission? TakeAnnounced()
        {
            var announced = _announced;
            _announced = null;
            return announced;
        }

        private void Drop(PooledSession session)
        {
            pool.Discard(session);
            _session = null;
        }

        private static void Abandon(Submission submission, Exception error)
        {
            if (error is OperationCanceledException && submission.CancellationToken.IsCancellationRequested)
            {
                submission.TrySetCanceled(submission.CancellationToken);
            }
            else
            {
                submission.TrySetException(error);
            }
        }
    }

    /// <summary>One queued submission and its caller's completion: awaited (its continuations run asynchronously, never
    /// on the runner's thread), or handed to a receiver that the finishing thread calls inline.</summary>
    private sealed class Submission : TaskCompletionSource<SubmissionResult>
    {
        private const int Queued = 0;
        private const int Taken = 1;
        private const int Cancelled = 2;
        private readonly ISubmissionReceiver? _receiver;
        private readonly object? _receiverState;
        private int _state;

        public Submission(MailSubmission mail, SmtpEnvelope envelope, RecipientOutcome?[] outcomes, CancellationToken cancellationToken,
            ISubmissionReceiver? receiver, object? state)
            : base(receiver is null ? TaskCreationOptions.RunContinuationsAsynchronously : TaskCreationOptions.None)
        {
            Mail = mail;
            Envelope = envelope;
            Outcomes = outcomes;
            CancellationToken = cancellationToken;
            if (receiver is not null)
            {
                _receiver = receiver;
                _receiverState = state;
                Task.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(Deliver);
            }
        }

        private void Deliver() => _receiver!.Received(Task, _receiverState);

        public MailSubmission Mail { get; }

        public SmtpEnvelope Envelope { get; }

        public RecipientOutcome?[] Outcomes { get; }

        public CancellationToken CancellationToken { get; }

        /// <summary>The caller's activity, restored around its transaction (a runner serves many callers).</summary>
        public Activity? Parent { get; } = Activity.Current;

        /// <summary>Sends on a new session after the pooled one was found closed.</summary>
        public int Attempts { get; set; }

        /// <summary>The transaction prepared by the session that announced it.</summary>
        public SmtpPreparedTransaction? Transaction { get; set; }

        /// <summary>Claims the submission for a runner; false when its caller cancelled it while it waited.</summary>
        public bool TryTake() => Interlocked.CompareExchange(ref _state, Taken, Queued) == Queued;

        /// <summary>Cancels the submission if no runner has taken it yet; a taken one is cancelled through its token.</summary>
        public void CancelWhileQueued()
        {
            if (Interlocked.CompareExchange(ref _state, Cancelled, Queued) == Queued)
            {
                TrySetCanceled(CancellationToken);
            }
        }
    }
}
