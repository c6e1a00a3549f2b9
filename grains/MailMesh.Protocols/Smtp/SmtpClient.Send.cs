using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;
using MailMesh.Protocols.Internal;
using MailMesh.Protocols.Smtp.Internal;

namespace MailMesh.Protocols.Smtp;

/// <summary>MAIL, RCPT, DATA or BDAT: one message per call, pipelined when the server allows it.</summary>
public sealed partial class SmtpClient
{
    /// <summary>Replies read in the current transaction (0 when a reused connection failed before answering anything).</summary>
    internal int TransactionRepliesRead { get; private set; }

    /// <summary>True once the end of the message data went out in the current transaction: a failure after this point
    /// may have left the message delivered.</summary>
    internal bool TransactionDataSent { get; private set; }

    /// <summary>
    /// Sends <paramref name="message"/> (a complete RFC 5322 message; bare LF or CR line ends are sent as CRLF) and returns
    /// every reply without throwing for refusals, so the caller can decide per recipient. Uses BDAT when the server offers
    /// CHUNKING (<see cref="SmtpClientOptions.UseChunking"/>), else DATA with dot-stuffing; with PIPELINING, MAIL, the
    /// RCPTs and DATA (or BDAT with the whole message) go in one write. After an incomplete transaction the session is
    /// reset (RSET) so the next message starts clean.
    /// </summary>
    /// <exception cref="SmtpMessageException">The message cannot go through this server (SIZE, 8BITMIME, SMTPUTF8, a line over
    /// 998 octets, a NUL octet); nothing was sent.</exception>
    /// <exception cref="ArgumentException">An address is malformed or the DSN parameters are invalid.</exception>
    /// <exception cref="SmtpProtocolException">The connection failed, dropped, stalled or the server answered garbage.</exception>
    public async Task<SmtpTransactionResult> SendTransactionAsync(SmtpEnvelope envelope, ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default)
    {
        var telemetry = _telemetry.StartCommand("SEND", _options.Host, _options.EffectivePort);
        try
        {
            var result = await TransactionAsync(envelope, message, cancellationToken).ConfigureAwait(false);
            CountTransaction(result, telemetry);
            return result;
        }
        catch (Exception e) when (e is not ArgumentException && CountFailure(e, telemetry))
        {
            throw;
        }
    }

    /// <summary>
    /// Sends <paramref name="message"/> to the envelope's recipients. Recipients the server refuses are listed in the
    /// result; when it refuses all of them nothing is sent and the call throws.
    /// </summary>
    /// <exception cref="SmtpCommandException">MAIL, every RCPT, or the data was refused (4xx: try later).</exception>
    /// <exception cref="SmtpMessageException">The message is larger than the server's SIZE limit, has 8-bit data the server
    /// cannot take, needs SMTPUTF8 the server lacks, has a line over 998 octets or a NUL octet.</exception>
    /// <exception cref="ArgumentException">An address is malformed.</exception>
    /// <exception cref="SmtpProtocolException">The connection failed.</exception>
    private async Task<SmtpSendResult> SendCoreAsync(SmtpEnvelope envelope, ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        var result = await TransactionAsync(envelope, message, cancellationToken).ConfigureAwait(false);
        if (!result.Mail.IsPositive)
        {
            throw new SmtpCommandException("MAIL", result.Mail.Code, result.Mail.EnhancedCode, result.Mail.Text);
        }

        var accepted = new List<string>();
        var rejected = new List<SmtpRejectedRecipient>();
        for (var i = 0; i < envelope.Recipients.Count; i++)
        {
            if (result.Recipients[i] is { } reply)
            {
                if (reply.IsPositive)
                {
                    accepted.Add(envelope.Recipients[i]);
                }
                else
                {
                    rejected.Add(new SmtpRejectedRecipient(envelope.Recipients[i], reply.Code, reply.EnhancedCode is null ? reply.Text : reply.EnhancedCode + " " + reply.Text));
                }
            }
        }

        if (accepted.Count == 0)
        {
            var first = result.Recipients.FirstOrDefault(r => r is { IsPositive: false }) ?? result.Mail;
            throw new SmtpCommandException("RCPT", first.Code, first.EnhancedCode,
                $"every recipient was refused ({string.Join("; ", rejected.Select(r => $"{r.Address}: {r.Code} {r.Text}"))})");
        }

        if (result.Data is not { } final || !result.Delivered)
        {
            var data = result.Data ?? result.Mail;
            throw new SmtpCommandException("DATA", data.Code, data.EnhancedCode, data.Text);
        }

        SmtpLog.Sent(_logger, _options.Host, message.Length, accepted.Count, final.Text);
        return new SmtpSendResult(accepted, rejected, final.ToString());
    }

    private async Task<SmtpTransactionResult> TransactionAsync(SmtpEnvelope envelope, ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        CheckEnvelope(envelope);
        using var scope = Enter("MAIL", ReadyOnly);
        return await RunTransactionAsync(Build(envelope, message), next: null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Checks <paramref name="envelope"/> and <paramref name="message"/> against this session's extensions and
    /// builds the commands, for <see cref="SendPreparedAsync"/>. Nothing is sent.</summary>
    /// <exception cref="SmtpMessageException">The message cannot go through this server.</exception>
    /// <exception cref="ArgumentException">An address is malformed or the DSN parameters are invalid.</exception>
    /// <exception cref="InvalidOperationException">The session is not ready.</exception>
    internal SmtpPreparedTransaction Prepare(SmtpEnvelope envelope, ReadOnlyMemory<byte> message)
    {
        CheckEnvelope(envelope);
        if (State != SmtpSessionState.Ready)
        {
            throw new InvalidOperationException($"SMTP MAIL is not allowed in state {State} (allowed: {SmtpSessionState.Ready}).");
        }

        return Build(envelope, message);
    }

    /// <summary>
    /// Sends a transaction of <see cref="Prepare"/>, as <see cref="SendTransactionAsync"/> does. With PIPELINING and DATA,
    /// once the server has answered DATA with 354, <paramref name="next"/> may give the following transaction: its MAIL,
    /// RCPT and DATA commands then go out in the same write as this message's data and final dot (RFC 2920 section 3.1:
    /// the message content may be the first "command" of a group, MAIL and RCPT may follow it, DATA ends it), so a
    /// session without CHUNKING needs one round trip per message instead of two. The following transaction must be the
    /// next one sent on this session; its replies are read when it is sent. A transaction announced this way on a session
    /// that breaks before it is sent got no reply, so it can go again on another session.
    /// </summary>
    internal async Task<SmtpTransactionResult> SendPreparedAsync(SmtpPreparedTransaction transaction, Func<SmtpPreparedTransaction?>? next, CancellationToken cancellationToken)
    {
        if (!ReferenceEquals(transaction.Session, this))
        {
            throw new ArgumentException("The transaction was prepared by another session.", nameof(transaction));
        }

        var telemetry = _telemetry.StartCommand("SEND", _options.Host, _options.EffectivePort);
        try
        {
            SmtpTransactionResult result;
            using (Enter("MAIL", ReadyOnly))
            {
                result = await RunTransactionAsync(transaction, next, cancellationToken).ConfigureAwait(false);
            }

            CountTransaction(result, telemetry);
            return result;
        }
        catch (Exception e) when (e is not ArgumentException && CountFailure(e, telemetry))
        {
            throw;
        }
    }

    private static void CountTransaction(SmtpTransactionResult result, ProtocolDiagnostics.Command telemetry)
    {
        var code = result.Data?.Code ?? result.Recipients.FirstOrDefault(r => r is { IsPositive: false })?.Code ?? result.Mail.Code;
        telemetry.Complete(result.Delivered ? "ok" : "no");
        ProtocolDiagnostics.CountSmtpMessage(result.Delivered ? "sent" : ProtocolDiagnostics.SmtpOutcome(code));
    }

    private static void CheckEnvelope(SmtpEnvelope envelope)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        if (envelope.Recipients.Count == 0)
        {
            throw new ArgumentException("The envelope has no recipients.", nameof(envelope));
        }

        CheckAddress(envelope.From, allowEmpty: true, "the reverse path (MAIL FROM)");
        foreach (var recipient in envelope.Recipients)
        {
            CheckAddress(recipient, allowEmpty: false, "a recipient (RCPT TO)");
        }

        if (envelope.Notify.HasFlag(DsnNotify.Never) && envelope.Notify != DsnNotify.Never)
        {
            throw new ArgumentException("DSN NOTIFY=NEVER cannot be combined with SUCCESS, FAILURE or DELAY (RFC 3461 4.1).", nameof(envelope));
        }
    }

    private SmtpPreparedTransaction Build(SmtpEnvelope envelope, ReadOnlyMemory<byte> message)
    {
        var content = SmtpContent.Inspect(message.Span);
        var commands = new StringBuilder(64 + (envelope.Recipients.Count * 48));
        AppendMailCommand(commands, envelope, content);
        var mailLength = commands.Length;
        foreach (var recipient in envelope.Recipients)
        {
            AppendRcptCommand(commands, recipient, envelope.Notify);
        }

        return new SmtpPreparedTransaction(this, envelope, message, content, commands.ToString(), mailLength);
    }

    private Task<SmtpTransactionResult> RunTransactionAsync(SmtpPreparedTransaction transaction, Func<SmtpPreparedTransaction?>? next, CancellationToken cancellationToken)
    {
        var announced = _announced is not null;
        if (announced && !ReferenceEquals(_announced, transaction))
        {
            throw new InvalidOperationException("The commands of another transaction were already sent behind the last message; that transaction must be sent next.");
        }

        _announced = null;
        var useBdat = Capabilities.Chunking && _options.UseChunking;
        TransactionRepliesRead = 0;
        TransactionDataSent = false;
        return RunStepsAsync((timeout, token) => Capabilities.Pipelining
                ? PipelinedAsync(transaction, useBdat, announced, next, timeout, token)
                : LockstepAsync(transaction, useBdat, timeout, token),
            cancellationToken);
    }

    /// <summary>RFC 2920: MAIL, the RCPTs and DATA (or BDAT LAST with the data, RFC 3030 section 4.2) in one write, unless
    /// they went out behind the previous message's data (<paramref name="announced"/>).</summary>
    private async Task<SmtpTransactionResult> PipelinedAsync(SmtpPreparedTransaction transaction, bool useBdat, bool announced,
        Func<SmtpPreparedTransaction?>? next, CancellationTokenSource timeout, CancellationToken token)
    {
        var envelope = transaction.Envelope;
        Step("the reply to MAIL FROM");
        if (!announced)
        {
            var wire = useBdat ? SmtpContent.Normalize(transaction.Message, transaction.Content) : ReadOnlyMemory<byte>.Empty;
            var buffer = Output(transaction.Commands.Length + 32 + (useBdat ? wire.Length : 0));
            Encoding.UTF8.GetBytes(transaction.Commands, buffer);
            if (useBdat)
            {
                Encoding.ASCII.GetBytes($"BDAT {wire.Length} LAST\r\n", buffer);
                buffer.Write(wire.Span);
            }
            else
            {
                buffer.Write("DATA\r\n"u8);
            }

            await WriteAsync(buffer.WrittenMemory, token).ConfigureAwait(false);
            if (useBdat)
            {
                TransactionDataSent = true;
            }
        }

        var mail = await ReadAsync(token).ConfigureAwait(false);
        var recipients = new SmtpResponse?[envelope.Recipients.Count];
        var anyAccepted = false;
        for (var i = 0; i < recipients.Length; i++)
        {
            Step("the reply to RCPT TO", i + 1, recipients.Length);
            recipients[i] = await ReadAsync(token).ConfigureAwait(false);
            anyAccepted |= recipients[i]!.IsPositive;
        }

        var ok = mail.IsPositive && anyAccepted;
        if (useBdat)
        {
            Arm(timeout, _options.DataTimeout, "the reply to the message data (BDAT)");
            var final = await ReadAsync(token).ConfigureAwait(false);
            if (!ok || !final.IsPositive)
            {
                await ResetAsync(timeout, token).ConfigureAwait(false);
            }

            return new SmtpTransactionResult(mail, recipients, ok ? final : null);
        }

        Step("the reply to DATA");
        var data = await ReadAsync(token).ConfigureAwait(false);
        if (data.Code == 354)
        {
            if (!ok)
            {
                // DATA was accepted although MAIL or every RCPT failed: end it empty (RFC 2920 section 3.1).
                Arm(timeout, _options.CommandTimeout, "the reply to an empty message ending a refused transaction");
                await WriteAsync(".\r\n"u8.ToArray(), token).ConfigureAwait(false);
                await ReadAsync(token).ConfigureAwait(false);
                await ResetAsync(timeout, token).ConfigureAwait(false);
                return new SmtpTransactionResult(mail, recipients, null);
            }

            return new SmtpTransactionResult(mail, recipients, await SendDataAsync(transaction, next?.Invoke(), timeout, token).ConfigureAwait(false));
        }

        await ResetAsync(timeout, token).ConfigureAwait(false);
        return new SmtpTransactionResult(mail, recipients, ok ? data : null);
    }

    /// <summary>One command at a time (no PIPELINING).</summary>
    private async Task<SmtpTransactionResult> LockstepAsync(SmtpPreparedTransaction transaction, bool useBdat, CancellationTokenSource timeout, CancellationToken token)
    {
        var envelope = transaction.Envelope;
        var commands = transaction.Commands;
        Step("the reply to MAIL FROM");
        await WriteAsync(Encoding.UTF8.GetBytes(commands[..transaction.MailLength]), token).ConfigureAwait(false);
        var mail = await ReadAsync(token).ConfigureAwait(false);
        var recipients = new SmtpResponse?[envelope.Recipients.Count];
        if (!mail.IsPositive)
        {
            return new SmtpTransactionResult(mail, recipients, null);
        }

        var anyAccepted = false;
        var lines = commands[transaction.MailLength..].Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < recipients.Length; i++)
        {
            Arm(timeout, _options.CommandTimeout, "the reply to RCPT TO", i + 1, recipients.Length);
            await WriteAsync(Encoding.UTF8.GetBytes(lines[i] + "\r\n"), token).ConfigureAwait(false);
            recipients[i] = await ReadAsync(token).ConfigureAwait(false);
            anyAccepted |= recipients[i]!.IsPositive;
        }

        if (!anyAccepted)
        {
            await ResetAsync(timeout, token).ConfigureAwait(false);
            return new SmtpTransactionResult(mail, recipients, null);
        }

        if (useBdat)
        {
            var wire = SmtpContent.Normalize(transaction.Message, transaction.Content);
            var buffer = new ArrayBufferWriter<byte>(wire.Length + 32);
            Encoding.ASCII.GetBytes($"BDAT {wire.Length} LAST\r\n", buffer);
            buffer.Write(wire.Span);
            Arm(timeout, _options.DataTimeout, "the reply to the message data (BDAT)");
            await WriteAsync(buffer.WrittenMemory, token).ConfigureAwait(false);
            TransactionDataSent = true;
            var final = await ReadAsync(token).ConfigureAwait(false);
            if (!final.IsPositive)
            {
                await ResetAsync(timeout, token).ConfigureAwait(false);
            }

            return new SmtpTransactionResult(mail, recipients, final);
        }

        Arm(timeout, _options.CommandTimeout, "the reply to DATA");
        await WriteAsync("DATA\r\n"u8.ToArray(), token).ConfigureAwait(false);
        var data = await ReadAsync(token).ConfigureAwait(false);
        if (data.Code != 354)
        {
            await ResetAsync(timeout, token).ConfigureAwait(false);
            return new SmtpTransactionResult(mail, recipients, data);
        }

        return new SmtpTransactionResult(mail, recipients, await SendDataAsync(transaction, following: null, timeout, token).ConfigureAwait(false));
    }

    /// <summary>Writes the message data and its final dot, followed by the commands of <paramref name="following"/> when
    /// there is one (see <see cref="SendPreparedAsync"/>), and reads the reply to the data.</summary>
    private async Task<SmtpResponse> SendDataAsync(SmtpPreparedTransaction transaction, SmtpPreparedTransaction? following, CancellationTokenSource timeout, CancellationToken token)
    {
        var content = transaction.Content;
        var buffer = Output((int)content.WireLength + 3 + (content.HasLeadingDot ? 64 : 0) + (following is null ? 0 : following.Commands.Length + 8));
        SmtpContent.WriteData(transaction.Message.Span, content, buffer);
        if (following is not null)
        {
            if (!ReferenceEquals(following.Session, this))
            {
                throw new ArgumentException("The following transaction was prepared by another session.", nameof(following));
            }

            Encoding.UTF8.GetBytes(following.Commands, buffer);
            buffer.Write("DATA\r\n"u8);
            _announced = following;
        }

        Arm(timeout, _options.DataTimeout, "the reply to the end of the message data");
        await WriteAsync(buffer.WrittenMemory, token).ConfigureAwait(false);
        TransactionDataSent = true;
        return await ReadAsync(token).ConfigureAwait(false);
    }

    private async Task ResetAsync(CancellationTokenSource timeout, CancellationToken token)
    {
        Arm(timeout, _options.CommandTimeout, "the reply to RSET");
        await WriteAsync("RSET\r\n"u8.ToArray(), token).ConfigureAwait(false);
        await ReadAsync(token).ConfigureAwait(false);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<SmtpResponse> ReadAsync(CancellationToken token)
    {
        var reply = await _reader!.ReadReplyAsync(token).ConfigureAwait(false);
        TransactionRepliesRead++;
        if (reply.Code is < 200 or >= 600)
        {
            throw SmtpProtocolException.Malformed($"'{reply}' is not a reply code SMTP uses here (2xx-5xx) while waiting for {WaitingFor}");
        }

        return reply.Response;
    }

    /// <summary>The session's write buffer, empty, holding at least <paramref name="sizeHint"/> bytes. One buffer serves every
    /// transaction of the session (each write completes before the next fills it), so sending a message does not
    /// allocate its bytes again; one grown past <see cref="MaxRetainedOutput"/> for a large message is not kept.</summary>
    private ArrayBufferWriter<byte> Output(int sizeHint)
    {
        if (_output is null || _output.Capacity < sizeHint || _output.Capacity > Math.Max(sizeHint, MaxRetainedOutput))
        {
            _output = new ArrayBufferWriter<byte>(Math.Max(sizeHint, 4096));
        }
        else
        {
            _output.ResetWrittenCount();
        }

        return _output;
    }

    private void AppendMailCommand(StringBuilder builder, SmtpEnvelope envelope, SmtpContentInfo content)
    {
        builder.Append("MAIL FROM:<").Append(envelope.From).Append('>');
        if (Capabilities.MaxSize is { } max)
        {
            if (max > 0 && content.WireLength > max)
            {
                throw new SmtpMessageException(SmtpMessageProblem.TooLarge,
                    $"The message is {content.WireLength} bytes; the SMTP server {_options.Host} accepts at most {max} (SIZE).");
            }

            builder.Append(" SIZE=").Append(content.WireLength);
        }

        if (content.Has8Bit)
        {
            if (!Capabilities.EightBitMime)
            {
                throw new SmtpMessageException(SmtpMessageProblem.EightBitNotSupported,
                    $"The message has 8-bit data but the SMTP server {_options.Host} does not offer 8BITMIME; encode it (quoted-printable or base64) first.");
            }

            builder.Append(" BODY=8BITMIME");
        }

        var utf8 = envelope.RequiresSmtpUtf8 || !Ascii.IsValid(envelope.From) || envelope.Recipients.Any(r => !Ascii.IsValid(r));
        if (utf8)
        {
            if (!Capabilities.SmtpUtf8)
            {
                throw new SmtpMessageException(SmtpMessageProblem.SmtpUtf8NotSupported,
                    $"The message needs SMTPUTF8 (non-ASCII addresses or headers) but the SMTP server {_options.Host} does not offer it.");
            }

            builder.Append(" SMTPUTF8");
        }

        if (Capabilities.Dsn)
        {
            if (envelope.ReturnHeadersOnly is { } headersOnly)
            {
                builder.Append(headersOnly ? " RET=HDRS" : " RET=FULL");
            }

            if (envelope.EnvelopeId is { } id)
            {
                if (id.Length is 0 or > 100 || !id.All(c => c is > ' ' and <= '~'))
                {
                    throw new ArgumentException($"The DSN envelope id '{id}' must be 1-100 printable ASCII characters.", nameof(envelope));
                }

                builder.Append(" ENVID=").Append(XText(id));
            }
        }

        builder.Append("\r\n");
    }

    private void AppendRcptCommand(StringBuilder builder, string recipient, DsnNotify notify)
    {
        builder.Append("RCPT TO:<").Append(recipient).Append('>');
        if (Capabilities.Dsn && notify != DsnNotify.None)
        {
            builder.Append(" NOTIFY=");
            if (notify == DsnNotify.Never)
            {
                builder.Append("NEVER");
            }
            else
            {
                var first = true;
                foreach (var (flag, name) in NotifyNames)
                {
                    if (notify.HasFlag(flag))
                    {
                        builder.Append(first ? string.Empty : ",").Append(name);
                        first = false;
                    }
                }
            }

            if (Ascii.IsValid(recipient))
            {
                builder.Append(" ORCPT=rfc822;").Append(XText(recipient));
            }
        }

        builder.Append("\r\n");
    }

    private static readonly (DsnNotify Flag, string Name)[] NotifyNames = [(DsnNotify.Success, "SUCCESS"), (DsnNotify.Failure, "FAILURE"), (DsnNotify.Delay, "DELAY")];

    private static void CheckAddress(string address, bool allowEmpty, string what)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.Length == 0)
        {
            if (!allowEmpty)
            {
                throw new ArgumentException($"{what} is empty.", nameof(address));
            }

            return;
        }

        if (!IsMailbox(address, allowEmpty))
        {
            throw new ArgumentException($"{what} '{address}' is not a mailbox of the form local@domain (no spaces, angle brackets or line breaks).", nameof(address));
        }
    }

    private static readonly SearchValues<char> NotInAddress = SearchValues.Create("<>\r\n \t\0");

    /// <summary>True for local@domain without spaces, angle brackets, line breaks or NUL, at most 320 characters (or empty
    /// when <paramref name="allowEmpty"/>: the null reverse path).</summary>
    internal static bool IsMailbox(string? address, bool allowEmpty) =>
        address is not null && (address.Length == 0
            ? allowEmpty
            : address.Length <= 320 && address.AsSpan().IndexOfAny(NotInAddress) < 0 && address.IndexOf('@', StringComparison.Ordinal) > 0 && address[^1] != '@');

    /// <summary>The message as DATA content: CRLF line ends, leading dots doubled, ending with CRLF.CRLF.</summary>
    internal static byte[] DotStuff(ReadOnlySpan<byte> message)
    {
        var output = new ArrayBufferWriter<byte>(message.Length + (message.Length / 50) + 8);
        SmtpContent.WriteData(message, SmtpContent.Inspect(message), output);
        return output.WrittenSpan.ToArray();
    }
}
