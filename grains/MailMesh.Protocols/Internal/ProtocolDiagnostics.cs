using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace MailMesh.Protocols.Internal;

/// <summary>The mail clients' activity source and meter <c>MailMesh.Protocols</c>. Nothing is allocated or timed when
/// nothing listens: every entry point first reads <see cref="ActivitySource.HasListeners"/> and
/// <see cref="Instrument.Enabled"/>.</summary>
/// <remarks>Spans: <c>IMAP session</c> / <c>POP3 session</c> / <c>SMTP session</c> (kind Client, from connect to close) and
/// one span per command, <c>IMAP UID FETCH</c>, <c>SMTP RCPT</c>…, child of the caller's activity and linked to its
/// session; tags <c>network.protocol.name</c>, <c>server.address</c>, <c>server.port</c>, <c>mailmesh.mail.command</c>,
/// and on failure <c>error.type</c>. Metrics: <c>mailmesh.mail.client.command.duration</c> s [protocol, command,
/// outcome = ok | no | bad | error], <c>mailmesh.mail.client.sessions</c> {session} [protocol, outcome = ok | error]
/// (connects), <c>mailmesh.smtp.client.messages</c> {message} [outcome = sent | deferred | rejected | failed].</remarks>
public static class ProtocolDiagnostics
{
    /// <summary>Name of the activity source and of the meter.</summary>
    public const string Name = "MailMesh.Protocols";

    /// <summary>The mail clients' activity source.</summary>
    public static readonly ActivitySource Source = new(Name);

    private static readonly Meter Meter = new(Name);

    private static readonly Histogram<double> CommandDuration = Meter.CreateHistogram<double>(
        "mailmesh.mail.client.command.duration", "s", "Duration of IMAP, POP3 and SMTP client commands, by protocol, command and outcome.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] });

    private static readonly Counter<long> Sessions = Meter.CreateCounter<long>(
        "mailmesh.mail.client.sessions", "{session}", "IMAP, POP3 and SMTP client connects, by protocol and outcome (ok, error).");

    private static readonly Counter<long> SmtpMessages = Meter.CreateCounter<long>(
        "mailmesh.smtp.client.messages", "{message}",
        "Messages handed to an SMTP server, by outcome: sent (accepted), deferred (4xx, try later), rejected (5xx), failed (connection).");

    /// <summary>Whether anything records spans or command metrics.</summary>
    public static bool IsEnabled => Source.HasListeners() || CommandDuration.Enabled;

    /// <summary>Starts a session span (null when no one listens); it stays open until <see cref="EndSession"/>.</summary>
    internal static Activity? StartSession(string protocol, string host, int port)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        var activity = Source.StartActivity(protocol + " session", ActivityKind.Client);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("network.protocol.name", protocol.ToLowerInvariant());
            activity.SetTag("network.transport", "tcp");
            activity.SetTag("server.address", host);
            activity.SetTag("server.port", port);
        }

        return activity;
    }

    /// <summary>Counts a connect attempt.</summary>
    internal static void CountConnect(string protocol, bool ok)
    {
        if (Sessions.Enabled)
        {
            Sessions.Add(1, new KeyValuePair<string, object?>("protocol", protocol), new KeyValuePair<string, object?>("outcome", ok ? "ok" : "error"));
        }
    }

    /// <summary>Ends a session span; <paramref name="error"/> marks it failed. Returns null for the caller's field.</summary>
    internal static Activity? EndSession(Activity? session, Exception? error)
    {
        if (session is not null)
        {
            if (error is not null)
            {
                Fail(session, error);
            }

            session.Stop();
        }

        return null;
    }

    /// <summary>Counts the outcome of one SMTP transaction.</summary>
    internal static void CountSmtpMessage(string outcome)
    {
        if (SmtpMessages.Enabled)
        {
            SmtpMessages.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
        }
    }

    /// <summary>The SMTP outcome of a reply code: 2xx sent, 4xx deferred, 5xx rejected.</summary>
    internal static string SmtpOutcome(int code) => code switch
    {
        >= 200 and < 300 => "sent",
        >= 400 and < 500 => "deferred",
        _ => "rejected",
    };

    internal static void Fail(Activity activity, Exception error)
    {
        activity.SetStatus(ActivityStatusCode.Error, error.Message);
        activity.SetTag("error.type", error.GetType().FullName);
    }

    /// <summary>One command (or a pipelined batch named after its first command) being timed. A default value does
    /// nothing, so callers keep it in a local without checking.</summary>
    internal readonly struct Command
    {
        private readonly Activity? _activity;
        private readonly long _started;
        private readonly string? _protocol;
        private readonly string? _command;

        private Command(Activity? activity, long started, string protocol, string command)
        {
            _activity = activity;
            _started = started;
            _protocol = protocol;
            _command = command;
        }

        /// <summary>Starts timing <paramref name="command"/> (a verb such as <c>UID FETCH</c>, never arguments).</summary>
        public static Command Start(string protocol, string command, string host, int port, Activity? session)
        {
            if (!IsEnabled)
            {
                return default;
            }

            Activity? activity = null;
            if (Source.HasListeners())
            {
                var links = session is null ? null : new[] { new ActivityLink(session.Context) };
                activity = Source.StartActivity(ActivityKind.Client, default(ActivityContext), null, links, name: protocol + " " + command);
                if (activity is { IsAllDataRequested: true })
                {
                    activity.SetTag("network.protocol.name", protocol.ToLowerInvariant());
                    activity.SetTag("server.address", host);
                    activity.SetTag("server.port", port);
                    activity.SetTag("mailmesh.mail.command", command);
                }
            }

            return new Command(activity, Stopwatch.GetTimestamp(), protocol, command);
        }

        /// <summary>Records the end; <paramref name="outcome"/> is ok, no or bad (the server's answer).</summary>
        public void Complete(string outcome)
        {
            if (_protocol is null)
            {
                return;
            }

            if (_activity is not null)
            {
                _activity.SetTag("mailmesh.mail.outcome", outcome);
                if (outcome != "ok")
                {
                    _activity.SetStatus(ActivityStatusCode.Error, outcome);
                }

                _activity.Stop();
            }

            Record(outcome);
        }

        /// <summary>Records a failure and returns false, so it can sit in an exception filter without catching.
        /// <paramref name="refused"/>: the server answered no (the session is fine); otherwise the session failed.</summary>
        public bool Failed(Exception error, bool refused = false)
        {
            if (_protocol is null)
            {
                return false;
            }

            if (refused)
            {
                Complete("no");
                return false;
            }

            if (_activity is not null)
            {
                Fail(_activity, error);
                _activity.Stop();
            }

            Record("error");
            return false;
        }

        private void Record(string outcome)
        {
            if (CommandDuration.Enabled)
            {
                CommandDuration.Record(Stopwatch.GetElapsedTime(_started).TotalSeconds, new KeyValuePair<string, object?>("protocol", _protocol),
                    new KeyValuePair<string, object?>("command", _command), new KeyValuePair<string, object?>("outcome", outcome));
            }
        }
    }
}
