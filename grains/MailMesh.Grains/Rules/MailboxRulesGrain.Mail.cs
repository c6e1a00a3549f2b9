using MailMesh.Protocols.Smtp;
using MailMesh.Rules.Replies;

namespace MailMesh.Grains.Rules;

/// <summary>The mail actions of decided runs: vacation replies and redirects through SMTP submission.</summary>
public sealed partial class MailboxRulesGrain
{
    /// <inheritdoc />
    public async Task<string> SendMail(string runId, int actionIndex, string mailboxAddress)
    {
        ArgumentException.ThrowIfNullOrEmpty(runId);
        ArgumentException.ThrowIfNullOrEmpty(mailboxAddress);
        var rules = RequireServices();
        if (!state.State.Decisions.TryGetValue(runId, out var stored))
        {
            throw new InvalidOperationException($"rule run '{runId}' is unknown to the rules of '{GrainKey}' (decided too long ago, or never).");
        }

        var actions = stored.Decision.Actions;
        if (actionIndex < 0 || actionIndex >= actions.Count || !actions[actionIndex].SendsMail)
        {
            throw new InvalidOperationException($"action {actionIndex} of rule run '{runId}' does not send mail.");
        }

        var action = actions[actionIndex];
        OutgoingMail mail;
        if (action.Kind == "vacation")
        {
            var reply = new VacationReply(action.Argument!, action.Subject ?? "Auto: ", action.Text ?? string.Empty, action.From, action.Mime, action.InReplyTo);
            mail = RuleMail.BuildVacationReply(reply, mailboxAddress, $"{GrainKey}\n{runId}\n{actionIndex}", TimeProvider.GetUtcNow());
        }
        else
        {
            var raw = await ReadBlobAsync(rules.Blobs, stored.Decision.EditedBlobName ?? stored.BlobName, rules.Options.MaxMessageSize);
            if (raw.Error is not null)
            {
                throw new InvalidOperationException("cannot redirect: " + raw.Error);
            }

            mail = RuleMail.BuildRedirect(raw.Bytes, RedirectSender(raw.Bytes, mailboxAddress), action.Argument!);
        }

        await using var client = await rules.ConnectSmtpAsync(CancellationToken.None);
        var result = await client.SendAsync(new SmtpEnvelope(mail.EnvelopeFrom, mail.Recipients), mail.Content);
        await client.QuitAsync();
        return result.Reply;
    }

    /// <summary>MAIL FROM of a redirect: the original envelope sender (Return-Path) rewritten with SRS when it is of a foreign
    /// domain, so SPF at the destination checks the forwarding domain and bounces come back through it; without SRS
    /// settings (or a Return-Path) the mailbox's own address, as before.</summary>
    private string RedirectSender(ReadOnlyMemory<byte> raw, string mailboxAddress)
    {
        var rewriter = RequireServices().SenderRewriter;
        if (rewriter is null || RuleMail.EnvelopeSenderOf(raw) is not { } sender)
        {
            return mailboxAddress;
        }

        var domain = RequireServices().Options.Srs.Domain is { Length: > 0 } configured ? configured : mailboxAddress[(mailboxAddress.LastIndexOf('@') + 1)..];
        return rewriter.Forward(sender, domain, TimeProvider.GetUtcNow());
    }
}
