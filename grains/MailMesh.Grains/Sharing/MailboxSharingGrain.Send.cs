using System.Globalization;
using System.Text.Json;
using MailMesh.Grains.Effects;
using MailMesh.Grains.Mailboxes;
using MailMesh.Protocols;
using MailMesh.Protocols.Smtp;
using MailMesh.Rules.Replies;

namespace MailMesh.Grains.Sharing;

/// <summary>Send-as: messages members send from the mailbox's address through the SMTP submission client.</summary>
public sealed partial class MailboxSharingGrain
{
    /// <summary>The side effect of <see cref="Send"/> (docs/adr/cluster-04-side-effect-records.md).</summary>
    private const string SendEffect = "smtp.send";

    /// <inheritdoc />
    public async Task<SentMail> Send(string actor, SendMailRequest request)
    {
        CheckActor(actor);
        ArgumentNullException.ThrowIfNull(request);
        var to = Addresses(request.To, "to");
        var cc = Addresses(request.Cc, "cc");
        var bcc = Addresses(request.Bcc, "bcc");
        if (request.Subject.Length > SendMailRequest.MaxSubjectLength)
        {
            throw new ArgumentException($"subject is {request.Subject.Length} characters long; at most {SendMailRequest.MaxSubjectLength} are allowed.", "subject");
        }

        if (request.Text.Length > SendMailRequest.MaxTextLength)
        {
            throw new ArgumentException($"text is {request.Text.Length} characters long; at most {SendMailRequest.MaxTextLength} are allowed.", "text");
        }

        if (request.RequestId is { } id && (id.Length is 0 or > SendMailRequest.MaxRequestIdLength || id.Any(char.IsControl)))
        {
            throw new ArgumentException($"request_id must be 1-{SendMailRequest.MaxRequestIdLength} characters without control characters.", "request_id");
        }

        var now = TimeProvider.GetUtcNow();
        // Keyed by the caller's request_id, else by the cluster message that carries this call: a client retry or a
        // redelivery after a crash finds the first attempt's record.
        var key = SideEffects.KeyFor(SendEffect, request.RequestId);
        var effects = state.State.Effects;
        if (key is not null && effects.Find(key) is { } earlier)
        {
            return earlier.IsDone
                ? JsonSerializer.Deserialize<SentMail>(earlier.Outcome!)! with { Repeated = true }
                : throw new InvalidOperationException(request.RequestId is { } known
                    ? $"a send with request_id '{known}' was interrupted at {earlier.StartedAt:O} and may have gone out; it is not repeated."
                    : $"this send was interrupted at {earlier.StartedAt:O} (its silo stopped) and may have gone out; it is not repeated.");
        }

        var smtp = rules ?? throw new InvalidOperationException("Sending is not set up in this silo: register rules (services.AddMailboxRules) and set Rules:Smtp:Host.");
        var mailbox = GrainFactory.GetGrain<IMailboxGrain>(GrainKey);
        var info = await mailbox.Get() ?? throw new MailboxNotFoundException(GrainKey);
        if (string.IsNullOrEmpty(info.Address))
        {
            throw new InvalidOperationException($"mailbox '{info.Name}' has no address to send from; set one (UpdateMailbox address).");
        }

        string? inReplyTo = null;
        List<string> references = [];
        string? conversation = null;
        var subject = request.Subject;
        if (request.ReplyToFolder is { Length: > 0 } folder)
        {
            var original = await mailbox.GetMessage(folder, request.ReplyToUid
                ?? throw new ArgumentException("reply_to_uid is needed with reply_to_folder.", "reply_to_uid"));
            conversation = original.ConversationId;
            inReplyTo = original.MessageId;
            references = [.. (original.References ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries)];
            if (original.MessageId is { Length: > 0 } messageId && !references.Contains(messageId))
            {
                references.Add(messageId);
            }

            if (subject.Length == 0)
            {
                var originalSubject = original.Subject ?? "";
                subject = originalSubject.StartsWith("Re:", StringComparison.OrdinalIgnoreCase) ? originalSubject : "Re: " + originalSubject;
            }

            if (to.Count + cc.Count + bcc.Count == 0 && FirstAddress(original.From) is { } sender)
            {
                to = [sender];
            }
        }

        if (to.Count + cc.Count + bcc.Count == 0)
        {
            throw new ArgumentException("give at least one recipient in to, cc or bcc.", "to");
        }

        var seed = $"{GrainKey}\n{request.RequestId ?? Guid.NewGuid().ToString("N")}\n{now.ToUnixTimeMilliseconds()}";
        var mail = RuleMail.BuildMessage(new ComposedMessage(info.Address, info.DisplayName, to, cc, bcc, subject, request.Text, inReplyTo, references), seed, now);
        if (key is not null)
        {
            // Remembered before anything goes out: a crash mid-send is never followed by a second copy.
            effects.Start(key, SendEffect, now);
            await SideEffects.WriteLogAsync(state);
        }

        var (reply, refused) = await SubmitAsync(smtp, mail);
        if (refused is not null)
        {
            if (key is not null)
            {
                // Refused or never connected: nothing went out, so the same request may be tried again.
                effects.Abandon(key);
                await SideEffects.WriteLogAsync(state);
            }

            throw new InvalidOperationException($"the submission server did not take the message: {refused.Message}", refused);
        }

        var sent = new SentMail(RuleMail.MessageIdFor(seed, info.Address), mail.Recipients, reply, now, conversation, false, null);
        var details = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["message_id"] = sent.MessageId,
            ["recipients"] = string.Join(' ', sent.Recipients),
            ["subject"] = subject,
        };
        if (request.ReplyToFolder is { Length: > 0 })
        {
            details["reply_to"] = string.Create(CultureInfo.InvariantCulture, $"{request.ReplyToFolder}/{request.ReplyToUid}");
        }

        Audit(actor, "message.sent", conversation ?? sent.MessageId, details);
        if (key is not null)
        {
            effects.Complete(key, JsonSerializer.Serialize(sent), TimeProvider.GetUtcNow());
        }

        await state.WriteStateAsync();
        if (request.ReplyToFolder is { Length: > 0 } answered)
        {
            sent = sent with { Note = await MarkAnsweredAsync(mailbox, answered, request.ReplyToUid!.Value) };
        }

        return sent;
    }

    /// <summary>Submits <paramref name="mail"/>: the relay's reply, or why it was refused when nothing can have gone out
    /// (no connection, or the relay said no). A connection lost during the transaction throws, leaving the send in
    /// doubt: the relay may have taken the message.</summary>
    private static async Task<(string Reply, Exception? Refused)> SubmitAsync(MailMesh.Grains.Rules.RulesServices smtp, OutgoingMail mail)
    {
        SmtpClient client;
        try
        {
            client = await smtp.ConnectSmtpAsync(CancellationToken.None);
        }
        catch (Exception e) when (e is MailProtocolException or MailCommandException or InvalidOperationException or System.Net.Sockets.SocketException)
        {
            return ("", e);
        }

        await using (client)
        {
            string reply;
            try
            {
                reply = (await client.SendAsync(new SmtpEnvelope(mail.EnvelopeFrom, mail.Recipients), mail.Content)).Reply;
            }
            catch (SmtpCommandException e)
            {
                return ("", e);
            }

            try
            {
                await client.QuitAsync();
            }
            catch (MailProtocolException)
            {
                // The relay accepted the message already; a QUIT that goes wrong changes nothing.
            }

            return (reply, null);
        }
    }

    /// <summary>Flags the answered message <c>\Answered</c> (the SLA check's "responded"); returns what went wrong, or null.</summary>
    private static async Task<string?> MarkAnsweredAsync(IMailboxGrain mailbox, string folder, uint uid)
    {
        try
        {
            await mailbox.SetFlags(folder, uid, ["\\Answered"], []);
            return null;
        }
        catch (Exception e) when (e is InvalidOperationException or NotSupportedException or MailMesh.Runtime.RemoteGrainException)
        {
            // The reply went out; only the flag is missing, which the caller is told.
            return $"sent, but \\Answered could not be set on {folder}/{uid}: {(e is MailMesh.Runtime.RemoteGrainException r ? r.OriginalMessage : e.Message)}";
        }
    }

    private static List<string> Addresses(IReadOnlyList<string>? addresses, string field)
    {
        var list = (addresses ?? []).Select(a => a.Trim()).ToList();
        if (list.Count > SendMailRequest.MaxRecipients)
        {
            throw new ArgumentException($"{field} has {list.Count} addresses; at most {SendMailRequest.MaxRecipients} recipients are allowed.", field);
        }

        var bad = list.FirstOrDefault(a => !MailAddressSyntax.IsValid(a));
        if (bad is not null)
        {
            throw new ArgumentException($"{field} contains '{bad}', which is not an address of the form local@domain.example.", field);
        }

        return list;
    }

    private static string? FirstAddress(string? from)
    {
        if (string.IsNullOrWhiteSpace(from))
        {
            return null;
        }

        var open = from.IndexOf('<', StringComparison.Ordinal);
        var close = from.IndexOf('>', StringComparison.Ordinal);
        var candidate = open >= 0 && close > open ? from[(open + 1)..close] : from.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
        return MailAddressSyntax.IsValid(candidate) ? candidate : null;
    }
}
